"""With a data directory the sandbox keeps apps, tokens, connections and records across restarts."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.helpers.sandbox import Sandbox


def test_state_survives_restart(tmp_path: Path) -> None:
    sandbox = first = Sandbox(port=0, data_dir=str(tmp_path))
    first.start()
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    tenant = sandbox.tenants()[0]["tenant_id"]
    made = sandbox.api("PUT", "Contacts", tokens["access_token"], tenant, json={"Name": "Persisted Ltd"})
    assert made.status_code == 200
    sandbox.control("POST", "clock", json={"advance_seconds": 120})
    first.stop()
    assert (tmp_path / "sandbox-state.json").exists()
    assert tokens["refresh_token"] not in (tmp_path / "sandbox-state.json").read_text()

    again = second = Sandbox(port=0, data_dir=str(tmp_path))
    second.start()
    try:
        assert [a["client_id"] for a in again.control("GET", "apps")] == [app["client_id"]]
        assert again.control("GET", "clock")["offset_seconds"] >= 119
        found = again.api(
            "GET", "Contacts", tokens["access_token"], tenant, params={"where": 'Name=="Persisted Ltd"'}
        )
        assert found.status_code == 200 and len(found.json()["Contacts"]) == 1
        refreshed = requests.post(
            f"{again.base_url}/connect/token",
            timeout=5,
            auth=(app["client_id"], app["client_secret"]),
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert refreshed.status_code == 200
    finally:
        second.stop()
