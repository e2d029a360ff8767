"""The sandbox's own tests: a connected session on top of the shared `sandbox` fixture."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.sandbox import Sandbox


@pytest.fixture
def session(sandbox: Sandbox) -> tuple[Sandbox, dict[str, Any], dict[str, Any], str]:
    """(sandbox, app, token set, UK tenant id) with the UK organisation connected."""
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    return sandbox, app, tokens, sandbox.tenants()[0]["tenant_id"]
