#!/usr/bin/env bash
# Runs the whole test suite with a real Secret Service keyring (gnome-keyring under its own D-Bus
# session), a virtual display for the tray and a headless Chromium for the consent page.
set -euo pipefail
cd "$(dirname "$0")"
scripts/system-packages.sh
scripts/bootstrap.sh test,build
export XERO_CONNECT_REQUIRE_KEYRING=1 QT_QPA_PLATFORM=offscreen
# A fresh, private login keyring each run: never the user's own, never one locked by an old password.
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
dbus-run-session -- bash -c 'set -euo pipefail
    printf "xero-connect-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/python -m mypy
    .venv/bin/python -m pytest "$@"
' test.sh "$@"
