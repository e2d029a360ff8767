"""The GUI entry point: the tray (or its status window) and the setup wizard, for one profile.

`xero-connect` with no arguments lands here through app.cli. The sandbox profile gets an embedded
sandbox when its URL is local and nothing answers there, so a new user can try everything at once.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app import APP_ID, APP_NAME
from app.instance_socket import InstanceFolderNotPrivate, instance_address
from app.model import ConnectionModel
from app.resources import resource_path
from app.settings import config_dir, load_active_profile
from app.setup_state import SetupState, read_setup_state
from app.ui.single_instance import WIZARD, InstanceServer, claim, hand_over
from app.ui.wizard import SetupWizard
from app.ui.workers import Task, run_task, wait_for_workers

if TYPE_CHECKING:
    from app.invoicing.drafting import DraftReport
    from app.sandbox.server import SandboxServer
    from app.ui.invoices import InvoicesWindow
    from app.ui.tray import TrayController

log = logging.getLogger(__name__)


def application(quit_on_last_window: bool) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_ID)  # matches packaging/*.desktop
    app.setWindowIcon(QIcon(str(resource_path("icons") / "xero-connect.svg")))
    app.setQuitOnLastWindowClosed(quit_on_last_window)
    return app


def _prepare_profile(profile: str | None, sandbox_url: str | None) -> tuple[str, SandboxServer | None]:
    """Pick the profile, apply --sandbox-url, start an embedded sandbox when one is needed."""
    profile = profile or load_active_profile()
    server = None
    model = ConnectionModel(profile)  # an unusable settings file is its sentence here, for any profile
    if model.settings.is_sandbox:
        if sandbox_url and sandbox_url != model.settings.sandbox_url:
            model.settings.sandbox_url = sandbox_url
            model.save()
        try:
            from app.embedded_sandbox import ensure_sandbox  # the emulator: for the sandbox profile only

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


class _InvoicesOpener:
    """One "Draft invoices" window per profile: raised if open, else built on a fresh model.

    A fresh model because the wizard may have changed the organisation or the authorisation since.
    A hidden window that is still drafting (closed mid-run) is shown again rather than replaced.
    """

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.window: InvoicesWindow | None = None
        # Where a run's end is told when its window was closed mid-run (the tray's notification).
        self.notify: Callable[[str, bool], None] | None = None

    def __call__(self) -> None:
        window = self.window
        if window is None or not (window.isVisible() or window.running):
            from app.ui.invoices import InvoicesWindow  # with app.invoicing: when the window first opens

            if window is not None:
                window.deleteLater()
            window = self.window = InvoicesWindow(ConnectionModel(self.profile))
            window.run_finished.connect(lambda report, w=window: self._finished(w, report))
        window.show()
        window.raise_()
        window.activateWindow()

    def _finished(self, window: InvoicesWindow, report: DraftReport) -> None:
        if self.notify is not None and not window.isVisible():  # closed mid-run: nobody saw the end
            self.notify(report.summary(), not report.failed)

    def close(self) -> None:
        if self.window is not None:
            self.window.close()  # a run in flight stops after its batch


class _WizardOpener:
    """Opens one wizard at a time on a fresh model of the profile; tells the tray when it closes."""

    def __init__(self, profile: str, open_invoices: Callable[[], None] | None = None) -> None:
        self.profile = profile
        self.open_invoices = open_invoices
        self.wizard: SetupWizard | None = None
        self.controller: TrayController | None = None
        self._opening: Task | None = None
        self.last_result: int | None = None  # how the last wizard closed: the wizard-only run's exit code

    def __call__(self) -> None:
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        if self._opening is not None:
            return  # already reading the setup state for a wizard about to open
        model = ConnectionModel(self.profile)
        self._opening = run_task(
            lambda: read_setup_state(model),
            lambda state: self._open(model, state),
            lambda _sentence: self._open(model, None),
            name="wizard setup state",
        )

    def _open(self, model: ConnectionModel, state: SetupState | None) -> None:
        self._opening = None
        wizard = SetupWizard(model, open_invoices=self.open_invoices, setup_state=state)
        wizard.finished.connect(self._closed)
        self.wizard = wizard
        wizard.show()
        wizard.raise_()
        wizard.activateWindow()

    def _closed(self, _result: int) -> None:
        wizard, self.wizard = self.wizard, None
        self.last_result = _result
        if wizard is not None:
            wizard.deleteLater()
        if self.controller is not None:
            self.controller.reload(check=True)

    def close(self) -> None:
        self.controller = None  # quitting: no reload or check after the wizard goes
        if self.wizard is not None:
            self.wizard.abandon()  # no question while quitting; a working setup it changed is put back


def run_gui(profile: str | None, sandbox_url: str | None, wizard_only: bool) -> int:
    app = application(quit_on_last_window=wizard_only)
    _sigint_timer = _install_sigint(app)
    instance = None
    try:
        profile = profile or load_active_profile()
        handed_over, instance = _claim_or_hand_over(profile, wizard_only)
        if handed_over:
            return 0
        profile, server = _prepare_profile(profile, sandbox_url)
    except OSError as exc:  # an unreadable settings file: its sentence says what to do
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    try:
        if wizard_only:
            return _run_wizard_only(app, profile)
        return _run_tray(app, profile, instance)
    finally:
        wait_for_workers()
        if instance is not None:
            instance.close()
        if server is not None:
            server.stop()


def _claim_or_hand_over(profile: str, wizard_only: bool) -> tuple[bool, InstanceServer | None]:
    """(handed over, this tray's server). A tray start takes its place, or hands over to the tray of
    its profile already running; `xero-connect wizard` asks that tray to open its wizard instead.
    Without a private folder for the socket this start runs on its own: it never exits for that."""
    try:
        address = instance_address(config_dir(), profile)
    except (InstanceFolderNotPrivate, OSError) as exc:
        sentence = str(exc) if isinstance(exc, InstanceFolderNotPrivate) else exc.strerror or str(exc)
        log.warning("no single-instance socket: %s", sentence)
        print(f"Warning: {sentence}", file=sys.stderr)
        return False, None
    if wizard_only:
        handed_over, instance = hand_over(address, WIZARD), None
    else:
        instance = claim(address)
        handed_over = instance is None
    if handed_over:
        what = "opened its setup wizard" if wizard_only else "brought its window forward"
        log.info("another Xero Connect tray (%s profile) is running; it %s", profile, what)
        print(f"Xero Connect is already running ({profile} profile); it {what}.")
    return handed_over, instance


def _run_wizard_only(app: QApplication, profile: str) -> int:
    opener = _WizardOpener(profile, _InvoicesOpener(profile))
    opener()  # the wizard opens once its setup state is read off the GUI thread
    app.exec()
    accepted = QWizard.DialogCode.Accepted
    return 0 if opener.last_result in (accepted, accepted.value) else 1


def _run_tray(app: QApplication, profile: str, instance: InstanceServer | None = None) -> int:
    from app.ui.tray import TrayController  # `xero-connect wizard` shows no tray

    invoices = _InvoicesOpener(profile)
    opener = _WizardOpener(profile, invoices)
    controller = TrayController(lambda: ConnectionModel(profile), opener, invoices)
    opener.controller = controller
    invoices.notify = controller.notify
    controller.quit_requested.connect(app.quit)
    if instance is not None:  # a later start: show what this one is doing, the wizard if it is open
        instance.show_requested.connect(
            lambda: (
                opener()
                if opener.wizard is not None and opener.wizard.isVisible()
                else controller.show_window()
            )
        )
        instance.wizard_requested.connect(opener)
    controller.show()
    if controller.model.settings.is_configured:
        controller.start(check=True)
    else:
        opener()  # nothing set up yet: the wizard is the first thing to see
    try:
        return app.exec()
    finally:
        opener.close()
        invoices.close()
        controller.shutdown()
