#!/usr/bin/env bash
# Runs pytest and treats "no tests collected" (exit 5) as a failure: a suite that ran nothing is broken.
set -uo pipefail
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "run_pytest: pytest collected no tests — failing on purpose" >&2
  exit 1
fi
exit "$status"
