"""The steps most integration tests start from: a model of the sandbox profile, authorised by the
stand-in browser, with the real keyring. One place, so every layer connects the same way."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from app.authorization import AuthorizationOutcome
from app.model import ConnectionModel
from tests.helpers.sandbox import follow_consent, set_auto_consent


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
    """Steps 6 and 7 with the stand-in browser; the sandbox must answer the consent page (auto-consent).
    A first connect's only organisation is confirmed, as the admin does on step 7."""
    attempt = model.begin_authorization()
    threading.Thread(target=follow_consent, args=(attempt.url,), daemon=True).start()
    outcome = attempt.wait()
    if outcome.first_connect and len(outcome.connections) == 1:
        model.choose_tenant(outcome.connections[0])  # the admin confirms it, as step 7 asks
    return outcome


def connected_model(sandbox, app, ports, **settings) -> ConnectionModel:
    """Authorised for the first organisation ("Demo Company (UK)"), which is then chosen."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, app, ports, **settings)
    authorize(model)
    return model


def connect_in_terminal(
    program: list[str], sandbox, app, ports, *extra: str, consent=follow_consent, timeout: float = 60, **popen
) -> tuple[int, str, str]:
    """`connect --no-browser` as a user runs it: the secret typed on stdin, the printed authorize URL
    opened by `consent` (the stand-in browser) while the command waits. Returns (exit code, out, err)."""
    command = [
        *program,
        "connect",
        "--sandbox",
        sandbox.base_url,
        "--client-id",
        app.client_id,
        "--no-browser",
        "--ports",
        ",".join(map(str, ports)),
        *extra,
    ]
    pipe = subprocess.PIPE
    with subprocess.Popen(  # as a context manager: the pipes are closed however it ends
        command, stdin=pipe, stdout=pipe, stderr=pipe, text=True, **popen
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        process.stdin.write((app.client_secret or "") + "\n")
        process.stdin.close()
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith(f"{sandbox.base_url}/identity/connect/authorize"):
                threading.Thread(target=consent, args=(line.strip(),), daemon=True).start()
        process.wait(timeout=timeout)
        return process.returncode, "".join(lines), process.stderr.read()


# A second process refreshing the same connection (the tray and the CLI at once).
REFRESH_IN_CHILD = """
import sys
from app.model import ConnectionModel
model = ConnectionModel("sandbox")
print(model.token_manager().refresh_after_401(sys.argv[1])[:12])
"""


def refresh_in_processes(rejected: str, count: int) -> list[tuple[str, str]]:
    """``count`` processes at once, each answering a 401 for ``rejected`` with a refresh of the sandbox
    profile; every one must succeed. Their (stdout, stderr): the start of each one's new access token."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", REFRESH_IN_CHILD, rejected],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for _ in range(count)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    return outputs
