"""The setup wizard's eight pages rendered to PNG with sample data, for docs and review."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from app.authorization import AuthorizationOutcome
from app.credentials import mask
from app.model import ConnectionModel
from app.setup_state import CheckResult
from app.ui import steps
from app.ui.main import application
from app.ui.pages.confirm import StoredValues
from app.ui.wizard import SetupWizard
from app.xero.client import Connection
from app.xero.tokenset import TokenSet


def render_screenshots(directory: Path, profile: str = "sandbox") -> list[Path]:
    """Render each of the eight pages (offscreen) to page-N.png with sample data; no network, no keyring.

    The model reads settings from a throw-away config directory so the user's real setup is never
    touched; pages that would call Xero or the keyring are filled with sample results instead.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    app = application(quit_on_last_window=True)
    saved_env = os.environ.get("XERO_CONNECT_CONFIG_DIR")
    paths: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="xero-connect-shots-") as tmp:
        os.environ["XERO_CONNECT_CONFIG_DIR"] = tmp
        try:
            model = ConnectionModel(profile)
            for step in steps.ALL_STEPS:
                wizard = SetupWizard(
                    model,
                    opener=lambda _url: None,
                    port_checker=lambda ports: ports[0],
                    autoload=False,
                    start_id=step,
                )
                wizard.show()
                app.processEvents()
                _fill_sample(wizard, step)
                for _ in range(3):
                    app.processEvents()
                path = directory / f"page-{step}.png"
                wizard.grab().save(str(path))
                paths.append(path)
                wizard.close()
                wizard.deleteLater()
                app.processEvents()
        finally:
            if saved_env is None:
                os.environ.pop("XERO_CONNECT_CONFIG_DIR", None)
            else:
                os.environ["XERO_CONNECT_CONFIG_DIR"] = saved_env
    return paths


SAMPLE_ID = "7A1B2C3D4E5F60718293A4B5C6D7E8F9"
SAMPLE_SECRET = "rM9kQ2xV7bN4pL8sW3dF6hJ1gT5yU0cE2aZ7nX4vB9mK3qLw"  # made up, for screenshots only


def _fill_sample(wizard: SetupWizard, step: int) -> None:
    """Show each page the way an administrator sees it mid-setup."""
    model = wizard.model
    if step == steps.RECORD_CREDENTIALS:
        credentials = wizard.page_for(steps.RECORD_CREDENTIALS)
        credentials.client_id.setText(SAMPLE_ID)
        credentials.secret.setText(SAMPLE_SECRET)
    elif step == steps.CONFIRM_VALUES:
        wizard.page_for(steps.CONFIRM_VALUES).show_values(
            StoredValues(mask(SAMPLE_ID), mask(SAMPLE_SECRET), "3F9A-C21E", "SecretService Keyring")
        )
    elif step == steps.AUTHORIZE:
        tokens = TokenSet("sample", "sample", time.time() + 1800, list(model.scopes()))
        tenants = _sample_tenants()
        wizard.page_for(steps.AUTHORIZE)._succeeded(
            AuthorizationOutcome(tokens, tenants, [tenants[0].tenant_id])
        )
    elif step == steps.PICK_TENANT:
        wizard.page_for(steps.PICK_TENANT).show_tenants(_sample_tenants())
    elif step == steps.VERIFY:
        model.settings.tenant_name = "Demo Company (NZ)"
        wizard.page_for(steps.VERIFY).show_result(
            CheckResult(
                "Demo Company (NZ)",
                "Connection attempt successful: Demo Company (NZ)",
                4987,
                59,
                "!k3Lq9",
                "NZ",
                "NZD",
            )
        )


def _sample_tenants() -> list[Connection]:
    return [
        Connection("c1", "t1", "Demo Company (NZ)", "ORGANISATION", "e1", "", ""),
        Connection("c2", "t2", "Harbour Street Bakery Ltd", "ORGANISATION", "e0", "", ""),
    ]
