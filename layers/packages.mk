# How a layer's packages are installed, for both layers' Makefiles (sam build runs them: template.yaml BuildMethod
# makefile). sam's own Python builder unpacks the wheels and copies the source without bytecode (it leaves
# __pycache__ out), and a Lambda's /opt is read-only, so every cold start compiled the layer's Python anew: ~380 ms
# of the ~720 ms of CPU a webhook's init took here (docs/performance.md, "Cold starts"). So:
# - the wheels for the Lambda python3.13 runtime (Amazon Linux 2023, glibc 2.34; template.yaml: x86_64), the tags
#   sam's builder picked;
# - the packages' bytecode alone, beside where each source was (a traceback through a package still names file and
#   line), and their native libraries stripped of symbols the dynamic linker does not need (with GNU strip): the
#   common layer 48 -> 34 MB, under the 40 MB a function that does not draw may weigh (issue 20);
# - messenger_bank, the common layer's own code, keeps its sources (tracebacks with source lines) beside unchecked-hash
#   bytecode: used without comparing the sources' timestamps, which a zip does not keep exactly.
PYTHON ?= python3.13
# Every glibc up to the runtime's 2.34, the newest preferred, as sam's builder does (pip infers none of them).
PLATFORMS := $(foreach minor,$(shell seq 34 -1 17),--platform manylinux_2_$(minor)_x86_64) --platform manylinux2014_x86_64

# $(call install_packages,<the layer's python folder>): requirements.txt's packages, compiled and stripped.
define install_packages
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "the layer is built for python3.13")'
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --only-binary=:all: \
		$(PLATFORMS) --implementation cp --python-version 3.13 --target "$(1)" -r requirements.txt
	rm -rf "$(1)/bin"  # the packages' command-line scripts: nothing runs them on Lambda
	find "$(1)" -name __pycache__ -prune -exec rm -rf {} +
	$(PYTHON) -m compileall -q -j 0 -b --invalidation-mode unchecked-hash "$(1)"
	find "$(1)" -name '*.py' -delete
	if strip --version 2>/dev/null | grep -q GNU; then find "$(1)" -name '*.so*' -type f -exec strip --strip-unneeded {} +; fi
endef
