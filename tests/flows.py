"""The steps most integration tests start from: a model of the sandbox profile, authorised by the
stand-in browser, with the real keyring. One place, so every layer connects the same way."""

from __future__ import annotations

import threading

from app.model import AuthorizationOutcome, ConnectionModel
from tests.conftest import follow_consent, set_auto_consent


def new_model(sandbox, app, ports, **settings) -> ConnectionModel:
    """Credentials saved (secret in the keyring), not yet authorised."""
    model = ConnectionModel("sandbox", listener_timeout=20)
    model.settings.sandbox_url = sandbox.base_url
    model.settings.redirect_ports = list(ports)
    for key, value in settings.items():
        setattr(model.settings, key, value)
    model.save_credentials(app.client_id, app.client_secret, "web" if app.client_secret else "pkce")
    return model


def authorize(model: ConnectionModel) -> AuthorizationOutcome:
    """Step 6 with the stand-in browser; the sandbox must answer the consent page (auto-consent)."""
    attempt = model.begin_authorization()
    threading.Thread(target=follow_consent, args=(attempt.url,), daemon=True).start()
    return attempt.wait()


def connected_model(sandbox, app, ports, **settings) -> ConnectionModel:
    """Authorised for the first organisation ("Demo Company (UK)"), which is then chosen."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, app, ports, **settings)
    authorize(model)
    return model
