#!/usr/bin/env bash
# Builds the one-folder bundle dist/xero-connect/ (GUI and CLI in one executable) with the venv's
# PyInstaller, installing it into the venv when missing.
#   packaging/build.sh                      → dist/xero-connect/xero-connect
#   DIST_DIR=/tmp/d WORK_DIR=/tmp/w packaging/build.sh   (the tests build outside the work tree)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
DIST_DIR=${DIST_DIR:-dist}
WORK_DIR=${WORK_DIR:-build/pyinstaller}
if [ ! -x "$PYTHON" ]; then
    echo "No $PYTHON: run scripts/bootstrap.sh first (or set PYTHON)." >&2
    exit 1
fi
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    "$PYTHON" -m pip install --quiet "pyinstaller>=6.10"
fi
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST_DIR" --workpath "$WORK_DIR" packaging/xero-connect.spec
echo "Built $DIST_DIR/xero-connect/xero-connect $(cat "$DIST_DIR/xero-connect/VERSION")"
