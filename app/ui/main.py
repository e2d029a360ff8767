"""The GUI entry point: the tray (or its status window) and the setup wizard, for one profile.

`xero-connect` with no arguments lands here through app.cli. The sandbox profile gets an embedded
sandbox when its URL is local and nothing answers there, so a new user can try everything at once.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app.ui.tray import ICONS, TrayController
from app.ui.workers import wait_for_workers

log = logging.getLogger(__name__)


def _application(quit_on_last_window: bool) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Xero Connect")
    app.setApplicationDisplayName("Xero Connect")
    app.setOrganizationName("Xero Connect")
    app.setDesktopFileName("xero-connect")
    app.setWindowIcon(QIcon(str(ICONS / "xero-connect.svg")))
    app.setQuitOnLastWindowClosed(quit_on_last_window)
    return app  # type: ignore[return-value]


def _prepare_profile(profile: str | None, sandbox_url: str | None) -> tuple[str, Any]:
    """Pick the profile, apply --sandbox-url, start an embedded sandbox when one is needed."""
    from app.model import ConnectionModel
    from app.settings import load_active_profile

    profile = profile or load_active_profile()
    server = None
    if profile == "sandbox":
        model = ConnectionModel(profile)
        if sandbox_url and sandbox_url != model.settings.sandbox_url:
            model.settings.sandbox_url = sandbox_url
            model.save()
        try:
            from app.embedded_sandbox import ensure_sandbox

            server = ensure_sandbox(model.settings.sandbox_url)  # at most ~1.5 s, before any window
        except Exception as exc:  # the check will name the unreachable sandbox
            log.warning("could not start the embedded sandbox: %s", type(exc).__name__)
    return profile, server


def _install_sigint(app: QApplication) -> QTimer:
    """Ctrl+C in the terminal quits cleanly: Python only sees signals when the loop lets it run."""
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(300)
    return timer


class _WizardOpener:
    """Opens one wizard at a time on a fresh model of the profile; tells the tray when it closes."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.wizard: QWizard | None = None
        self.controller: TrayController | None = None

    def __call__(self) -> None:
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        from app.model import ConnectionModel
        from app.ui.wizard import SetupWizard  # lazily: the tray works even if the wizard cannot load

        wizard = SetupWizard(ConnectionModel(self.profile))
        wizard.finished.connect(self._closed)
        self.wizard = wizard
        wizard.show()
        wizard.raise_()
        wizard.activateWindow()

    def _closed(self, _result: int) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is not None:
            wizard.deleteLater()
        if self.controller is not None:
            self.controller.reload(check=True)

    def close(self) -> None:
        self.controller = None  # quitting: no reload or check after the wizard goes
        if self.wizard is not None:
            self.wizard.reject()  # its pages stop their listeners and discard their calls


def run_gui(profile: str | None, sandbox_url: str | None, wizard_only: bool) -> int:
    app = _application(quit_on_last_window=wizard_only)
    _sigint_timer = _install_sigint(app)
    try:
        profile, server = _prepare_profile(profile, sandbox_url)
    except OSError as exc:  # an unreadable settings file: its sentence says what to do
        QMessageBox.critical(None, "Xero Connect", str(exc))
        return 1
    try:
        if wizard_only:
            return _run_wizard_only(app, profile)
        return _run_tray(app, profile)
    finally:
        wait_for_workers()
        if server is not None:
            server.stop()


def _run_wizard_only(app: QApplication, profile: str) -> int:
    from app.model import ConnectionModel
    from app.ui.wizard import SetupWizard

    wizard = SetupWizard(ConnectionModel(profile))
    wizard.show()
    app.exec()
    return 0 if wizard.result() == QWizard.DialogCode.Accepted else 1


def _run_tray(app: QApplication, profile: str) -> int:
    from app.model import ConnectionModel

    opener = _WizardOpener(profile)
    controller = TrayController(lambda: ConnectionModel(profile), opener)
    opener.controller = controller
    controller.quit_requested.connect(app.quit)
    controller.show()
    if controller.model.settings.is_configured:
        controller.start(check=True)
    else:
        opener()  # nothing set up yet: the wizard is the first thing to see
    try:
        return app.exec()
    finally:
        opener.close()
        controller.shutdown()
