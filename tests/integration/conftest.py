"""Fixtures of the integration tests: a model connected to the sandbox, and the drafting ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.invoicing.ledger import Ledger
from app.model import ConnectionModel
from app.secrets import SecretStore
from tests.drafting import connect


@pytest.fixture
def connected(sandbox, sandbox_app, callback_ports) -> Iterator[ConnectionModel]:
    model = connect(sandbox, sandbox_app, callback_ports)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    with Ledger() as opened:
        yield opened
