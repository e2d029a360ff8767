"""Two processes (say the tray and the CLI) that both find the access token rejected refresh once:
the file lock makes the second one pick up the token the first one stored."""

from __future__ import annotations

import pytest

from tests.helpers.flows import connected_model, refresh_in_processes

pytestmark = pytest.mark.usefixtures("real_keyring")


def test_refresh_is_single_flight_across_processes(sandbox, sandbox_app, callback_ports):
    model = connected_model(sandbox, sandbox_app, callback_ports)
    saved = model.secrets().token_set()
    assert saved is not None
    rejected = saved.access_token
    before = sandbox.control("GET", "counters")["refreshes"]

    outputs = refresh_in_processes(rejected, 4)
    after = sandbox.control("GET", "counters")["refreshes"]
    assert after - before == 1
    assert len({out for out, _ in outputs}) == 1  # every process ended with the same new token
    model.secrets().delete_all()
