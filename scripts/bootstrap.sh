#!/usr/bin/env bash
# Creates .venv and installs Xero Connect (with the extras named in $1, e.g. "test,build");
# quick when nothing changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
extras=${1:-}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    target="."
    [ -n "$extras" ] && target=".[$extras]"
    echo "Setting up .venv (first run only) ..." >&2
    # setuptools' notes about editable installs are noise to a user; show pip's output only on failure.
    if ! .venv/bin/python -m pip install --quiet -e "$target" > .venv/pip-install.log 2>&1; then
        cat .venv/pip-install.log >&2
        exit 1
    fi
    touch "$stamp"
fi
