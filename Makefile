# Every target is a word of the README. The first call builds .venv from the pinned files.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BOOT_PYTHON := $(shell sh local/find_python.sh)
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1
export SAM_CLI_TELEMETRY := 0
export PYTHONPATH := $(CURDIR)/layers/common:$(CURDIR)

FN ?=
EVENT ?=

.PHONY: help run test test-fast lint build invoke executions bench flows nlu clean

help:
	@echo "make run         start the local cloud (API on 127.0.0.1:$${API_PORT:-3000}) until Ctrl-C"
	@echo "make test        install what is needed and run every test"
	@echo "make lint        ruff, mypy, flow linter, sam validate --lint"
	@echo "make build       sam build (offline, no container)"
	@echo "make invoke FN=<function> EVENT=<file>   run one function on an event, print its result"
	@echo "make executions  list state-machine executions of the running local cloud"
	@echo "make bench       print benchmark figures"

$(STAMP): requirements/dev.txt requirements/constraints.txt layers/common/requirements.txt
	test -x $(PY) || $(BOOT_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m local.cloud

test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -n 2 -m "not slow" -q
	$(PY) -m pytest -m slow -q

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not e2e" -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/sam validate --lint --template template.yaml

build: $(STAMP)
	$(VENV)/bin/sam build --template template.yaml --build-dir .aws-sam/build

invoke: $(STAMP)
	@test -n "$(FN)" || { echo "usage: make invoke FN=<function> EVENT=<file>"; exit 2; }
	$(PY) -m local.invoke $(FN) $(EVENT)

executions: $(STAMP)
	$(PY) -m local.executions

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache local/.state
