#!/usr/bin/env sh
# Prints the newest interpreter that matches a supported Lambda runtime (3.13, else 3.12).
# pyenv shims exist for versions that are installed but not selected, so each candidate is run, not just found.
for v in 3.13 3.12; do
  for p in "$(command -v python$v 2>/dev/null)" "$HOME"/.pyenv/versions/$v*/bin/python$v /usr/bin/python$v /usr/local/bin/python$v; do
    [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import venv' >/dev/null 2>&1 && { echo "$p"; exit 0; }
  done
done
command -v python3
