#!/usr/bin/env bash
# Runs Xero Connect on the local Xero sandbox (started inside the program when none is running).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/xero-connect --sandbox "$@"
