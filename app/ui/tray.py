"""The tray: one controller owns the state, the actions and the background calls.

The tray icon's menu and the status window (used where no system tray exists, and opened by a click
on the icon where one does) are two views of the same controller: they trigger the same QAction
objects, so every action is written once. The menu is rebuilt each time it opens, so its status line
is never stale. Network and keyring calls run in workers (app.ui.workers); the GUI thread never waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QSystemTrayIcon, QWidget

from app import APP_NAME, autostart
from app.model import ConnectionModel, DisconnectReport
from app.setup_state import CheckResult
from app.ui import about
from app.ui.about import AboutDialog
from app.ui.status_window import StatusWindow
from app.ui.tray_icons import TrayState, state_icon
from app.ui.workers import Task, run_task
from app.xero.errors import ReauthorisationNeeded

log = logging.getLogger(__name__)


class Tell(StrEnum):
    """When a running check notifies."""

    ALWAYS = "always"
    CHANGE = "change"  # only when the state or its sentence changed (the keep-alive check)
    PROBLEMS = "problems"  # only about a problem (at start-up, a success is no news)


NOT_CHECKED = "The connection has not been checked yet."
NOT_SET_UP = "Xero Connect is not set up yet; open the setup wizard to connect it to Xero."
STATUS_LINE_MAX = 60
# A quiet check twice a day while the tray runs: each one renews Xero's refresh token, which dies after
# 60 days unused, and finds a revoked or disconnected organisation before someone needs it.
KEEP_ALIVE_MS = 12 * 60 * 60 * 1000
# After a failed check, sooner than that: a passing outage (Wi-Fi, Xero busy) is over by then.
RETRY_AFTER_MS = (5 * 60 * 1000, 15 * 60 * 1000, 60 * 60 * 1000)


def short_failure(sentence: str, limit: int = STATUS_LINE_MAX) -> str:
    """The head of a core sentence, for the one-line status: up to its first clause break."""
    head = sentence.strip()
    for mark in ("; ", ": ", ". "):
        cut = head.find(mark)
        if cut > 0:
            head = head[:cut]
    head = head.rstrip(".")
    if len(head) > limit:
        head = head[: limit - 1].rstrip() + "…"
    return head


def confirm_disconnect(parent: QWidget | None, question: str) -> bool:
    """The core's question with verb buttons, "Disconnect" / "Cancel"; Cancel is the default (Escape
    and Enter both mean Cancel)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(APP_NAME)
    box.setText(question)
    disconnect = box.addButton("Disconnect", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is disconnect


class _Unset:
    """What the start-up probe returns when no client ID is configured."""


class TrayController(QObject):
    """State, actions and background calls behind the tray icon and the status window."""

    check_finished = Signal(str, str)  # state, the sentence to show
    changed = Signal()  # anything a view shows (state, message, busy) changed
    quit_requested = Signal()

    def __init__(
        self,
        model_factory: Callable[[], ConnectionModel],
        open_wizard: Callable[[], None],
        open_invoices: Callable[[], None] | None = None,
        parent: QObject | None = None,
        *,
        use_tray: bool | None = None,
        confirm: Callable[[QWidget | None, str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._model_factory = model_factory
        self._open_wizard = open_wizard
        self._open_invoices = open_invoices
        self._confirm = confirm
        self.model: ConnectionModel = model_factory()
        self.state = TrayState.UNSET if not self.model.settings.is_configured else TrayState.ATTENTION
        self.last_message = NOT_SET_UP if self.state == TrayState.UNSET else NOT_CHECKED
        self.last_details: list[str] = []
        self.last_checked: float | None = None
        self.organisation = self.model.settings.tenant_name
        self._task: Task | None = None
        self._tell = Tell.ALWAYS
        self._retries = 0  # failed checks in a row: the next one comes after RETRY_AFTER_MS[...]
        self._busy_text = ""
        self.keep_alive = QTimer(self)
        self.keep_alive.setInterval(KEEP_ALIVE_MS)
        self.keep_alive.timeout.connect(self.check_quietly)

        self.use_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self._build_actions()
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self._rebuild_menu)
        self.tray: QSystemTrayIcon | None = None
        if self.use_tray:
            self.tray = QSystemTrayIcon(state_icon(self.state), self)
            self.tray.setContextMenu(self.menu)
            self.tray.activated.connect(self._on_activated)
        self._window: StatusWindow | None = None
        self._about: AboutDialog | None = None
        self._rebuild_menu()
        self._refresh_views()

    # ----- actions (shared by the menu and the status window) -----
    def _build_actions(self) -> None:
        self.action_status = QAction(self)
        self.action_status.setEnabled(False)
        self.action_check = QAction("Check connection", self)
        self.action_check.triggered.connect(self.check_now)
        self.action_wizard = QAction("Open setup wizard", self)
        self.action_wizard.triggered.connect(self.open_wizard)
        self.action_invoices: QAction | None = None
        if self._open_invoices is not None:
            self.action_invoices = QAction("Draft invoices…", self)
            self.action_invoices.triggered.connect(self.open_invoices)
        self.action_status_window = QAction("Show status window", self)
        self.action_status_window.triggered.connect(self.show_window)
        self.action_disconnect = QAction("Disconnect…", self)
        self.action_disconnect.triggered.connect(self.disconnect)
        self.action_quit = QAction("Quit", self)
        self.action_quit.triggered.connect(self.quit_requested)
        self.action_autostart = QAction("Start at login", self)
        self.action_autostart.setCheckable(True)  # its state is read from disk each time the menu opens
        self.action_autostart.setVisible(autostart.supported())
        self.action_autostart.triggered.connect(self.set_autostart)  # user clicks only, not setChecked()
        self.action_logs = QAction("Open log folder", self)
        self.action_logs.triggered.connect(self.open_log_folder)
        self.action_about = QAction(f"About {APP_NAME}", self)
        self.action_about.triggered.connect(self.show_about)

    @Slot()
    def _rebuild_menu(self) -> None:
        """Rebuilt on every opening, like Vorta's: the status line is read at the moment it shows."""
        self._refresh_actions()
        self.menu.clear()
        self.menu.addAction(self.action_status)
        checked = self.checked_text()
        if checked:
            when = QAction(checked, self.menu)
            when.setEnabled(False)
            self.menu.addAction(when)
        self.menu.addSeparator()
        self.menu.addAction(self.action_check)
        self.menu.addAction(self.action_wizard)
        if self.action_invoices is not None:
            self.menu.addAction(self.action_invoices)
        if self.use_tray:
            self.menu.addAction(self.action_status_window)
        self.menu.addSeparator()
        self.menu.addAction(self.action_autostart)
        self.menu.addAction(self.action_logs)
        self.menu.addAction(self.action_about)
        self.menu.addSeparator()
        self.menu.addAction(self.action_disconnect)
        self.menu.addSeparator()
        self.menu.addAction(self.action_quit)

    def _refresh_actions(self) -> None:
        configured = self.state != TrayState.UNSET
        idle = self._task is None
        self.action_status.setText(self.status_line())
        self.action_status.setIcon(state_icon(self.state))
        self.action_check.setEnabled(idle and configured)
        self.action_disconnect.setEnabled(idle and configured)
        if self.action_invoices is not None:
            self.action_invoices.setEnabled(self.state == TrayState.CONNECTED)
        if self.action_autostart.isVisible():
            self.action_autostart.setChecked(autostart.is_enabled())  # the user may have removed the file

    # ----- what the views show -----
    @property
    def busy(self) -> bool:
        return self._task is not None

    def status_line(self) -> str:
        if self._busy_text:
            return self._busy_text
        if self.state == TrayState.UNSET:
            return "Not set up"
        if self.state == TrayState.CONNECTED:
            return f"{self.organisation or 'Xero'} — connected"
        return short_failure(self.last_message)

    def checked_text(self) -> str:
        if self.last_checked is None:
            return ""
        return "Last checked at " + time.strftime("%H:%M", time.localtime(self.last_checked))

    def next_check_text(self) -> str:
        """When the keep-alive checks next, so a notification in the night is no surprise."""
        if self.state == TrayState.UNSET or not self.keep_alive.isActive():
            return ""
        due = time.time() + self.keep_alive.remainingTime() / 1000
        return "next automatic check at " + time.strftime("%H:%M", time.localtime(due))

    def tooltip(self) -> str:
        lines = [APP_NAME, self.status_line()]
        if self.last_message and self.last_message != self.status_line():
            lines.append(self.last_message)
        return "\n".join(lines)

    def _refresh_views(self) -> None:
        self._refresh_actions()
        if self.tray is not None:
            self.tray.setIcon(state_icon(self.state))
            self.tray.setToolTip(self.tooltip())
        self.changed.emit()

    def _set(self, state: TrayState, message: str, details: list[str] | None = None) -> None:
        self.state = state
        self.last_message = message
        self.last_details = list(details or [])
        self._refresh_views()

    def notify(self, message: str, ok: bool) -> None:
        """Tell the user something happened elsewhere (a run whose window was closed has ended)."""
        self._notify(message, ok)

    def _notify(self, message: str, ok: bool) -> None:
        """A tray notification where a tray exists; the status window shows the same text anyway."""
        if self.tray is not None and self.tray.isVisible() and QSystemTrayIcon.supportsMessages():
            if ok:  # the connected icon: a success looks like one, not like general information
                self.tray.showMessage(APP_NAME, message, state_icon(TrayState.CONNECTED), 8000)
            else:
                self.tray.showMessage(APP_NAME, message, QSystemTrayIcon.MessageIcon.Warning, 8000)

    # ----- showing -----
    @property
    def window(self) -> StatusWindow:
        if self._window is None:
            self._window = StatusWindow(self)
        return self._window

    def show(self) -> None:
        """The tray icon where the desktop has a tray, else the status window."""
        if self.tray is not None:
            self.tray.show()
        else:
            self.show_window()

    @Slot()
    def show_window(self) -> None:
        window = self.window
        window.show()
        window.raise_()
        window.activateWindow()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def window_closed(self) -> None:
        """Without a tray the window is the program: closing it quits."""
        if self.tray is None:
            self.quit_requested.emit()

    def shutdown(self) -> None:
        """Ignore late results and take the icon off the panel (before the workers are awaited)."""
        self.keep_alive.stop()
        if self._task is not None:
            self._task.discard()
        self._task = None
        if self.tray is not None:
            self.tray.hide()
        if self._window is not None:
            self._window.hide()
        if self._about is not None:
            self._about.close()

    # ----- start-up and reload -----
    def start(self, check: bool = True) -> Task | None:
        """Read what is configured (keyring, in a worker) and, when it is all there, check it."""
        self.keep_alive.start()  # (re)started: the next quiet check is a full interval away
        if not self.model.settings.is_configured:
            self._set(TrayState.UNSET, NOT_SET_UP)
            return None
        model = self.model

        def probe() -> CheckResult | _Unset | None:
            if not model.settings.is_configured:
                return _Unset()
            problem = model.authorisation_problem()
            if problem:
                raise ReauthorisationNeeded(problem)
            if not check:
                return None
            return model.check_connection()

        # At every start a success is no news (only changes are notified); a problem is.
        return self._run(probe, "Checking the connection…", "tray start-up check", tell=Tell.PROBLEMS)

    def reload(self, check: bool = True) -> Task | None:
        """Settings changed elsewhere (the wizard): take a fresh model and look again."""
        if self._task is not None:
            self._task.discard()
            self._task = None
        self._busy_text = ""
        self.model = self._model_factory()
        self.organisation = self.model.settings.tenant_name
        return self.start(check)

    # ----- check -----
    @Slot()
    def check_now(self) -> Task | None:
        """Run the connection check in a worker; a check already running is not started twice."""
        if self._task is not None:
            return self._task
        if not self.model.settings.is_configured:
            self._set(TrayState.UNSET, NOT_SET_UP)
            self.check_finished.emit(self.state, self.last_message)
            return None
        return self._run(self.model.check_connection, "Checking the connection…", "tray check")

    @Slot()
    def check_quietly(self) -> Task | None:
        """The keep-alive check: like Check connection, but it notifies only when the state changes."""
        if self._task is not None or not self.model.settings.is_configured:
            return None  # a check is already running, or there is nothing to keep alive
        return self._run(
            self.model.check_connection, "Checking the connection…", "tray keep-alive check", tell=Tell.CHANGE
        )

    def _run(self, fn: Callable[[], object], busy_text: str, name: str, tell: Tell = Tell.ALWAYS) -> Task:
        self._busy_text = busy_text
        self._tell = tell
        task = run_task(fn, name=name)
        task.succeeded.connect(lambda value, t=task: self._check_done(t, value))
        task.failed.connect(lambda sentence, t=task: self._check_failed(t, sentence))
        self._task = task
        self._refresh_views()
        return task

    def _finish_task(self, task: Task) -> bool:
        if task is not self._task:
            return False  # superseded by a reload
        self._task = None
        self._busy_text = ""
        return True

    def _check_done(self, task: Task, value: object) -> None:
        if not self._finish_task(task):
            return
        if isinstance(value, _Unset):
            self._set(TrayState.UNSET, NOT_SET_UP)
        elif value is None:  # start-up without a check: all looked usable
            self._set(TrayState.ATTENTION, NOT_CHECKED)
            return
        else:
            result: CheckResult = value  # type: ignore[assignment]
            self.organisation = result.organisation
            self.last_checked = time.time()
            self._back_to_rhythm()
            self._set_and_tell(TrayState.CONNECTED, result.message, result.lines()[1:])
        self.check_finished.emit(self.state, self.last_message)

    def _check_failed(self, task: Task, sentence: str) -> None:
        if not self._finish_task(task):
            return
        self.last_checked = time.time()
        self._retry_soon()
        self._set_and_tell(TrayState.ATTENTION, sentence)
        self.check_finished.emit(self.state, self.last_message)

    def _retry_soon(self) -> None:
        """The next quiet check after 5, then 15, then 60 minutes; then the 12-hour rhythm again."""
        if self._retries < len(RETRY_AFTER_MS):
            self.keep_alive.start(RETRY_AFTER_MS[self._retries])
            self._retries += 1
        else:
            self._back_to_rhythm()

    def _back_to_rhythm(self) -> None:
        self._retries = 0
        self.keep_alive.start(KEEP_ALIVE_MS)

    def _set_and_tell(self, state: TrayState, message: str, details: list[str] | None = None) -> None:
        """Show a check's outcome, and notify as the check asks: always, on a change, or problems only."""
        unchanged = (state, message) == (self.state, self.last_message)
        self._set(state, message, details)
        quiet = (self._tell == Tell.CHANGE and unchanged) or (
            self._tell == Tell.PROBLEMS and state == TrayState.CONNECTED
        )
        if not quiet:
            self._notify(message, ok=state == TrayState.CONNECTED)

    # ----- disconnect -----
    @Slot()
    def disconnect(self) -> Task | None:  # type: ignore[override]  # QObject.disconnect is not used here
        """Ask with the core's own question (in the GUI thread), then disconnect in a worker."""
        if self._task is not None or not self.model.settings.is_configured:
            return None
        model = self.model
        question = model.disconnect_question()
        confirm = self._confirm or confirm_disconnect
        parent = self._window if self._window is not None and self._window.isVisible() else None
        if not confirm(parent, question):
            return None  # declined: nothing changes
        self._busy_text = "Disconnecting…"
        task = run_task(lambda: model.disconnect(lambda _q: True), name="tray disconnect")
        task.succeeded.connect(lambda report, t=task: self._disconnected(t, report))
        task.failed.connect(lambda sentence, t=task: self._disconnect_failed(t, sentence))
        self._task = task
        self._refresh_views()
        return task

    def _disconnected(self, task: Task, report: DisconnectReport | None) -> None:
        if not self._finish_task(task):
            return
        lines = ([*report.done, *report.problems]) if report is not None else []
        self.organisation = ""
        self.last_checked = None
        message = " ".join(lines) or NOT_SET_UP
        self._set(TrayState.UNSET, message, [])
        self._notify(message, ok=not (report and report.problems))

    def _disconnect_failed(self, task: Task, sentence: str) -> None:
        if not self._finish_task(task):
            return
        self._set(TrayState.ATTENTION, sentence)
        self._notify(sentence, ok=False)

    # ----- desktop integration -----
    @Slot(bool)
    def set_autostart(self, on: bool) -> None:
        try:
            autostart.set_enabled(on)
        except OSError as exc:
            sentence = f'Could not change "Start at login": {exc.strerror or exc}.'
            log.warning("%s", sentence)
            self.action_autostart.setChecked(autostart.is_enabled())
            box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, sentence, parent=self._window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # not exec(): a menu slot must not start a nested event loop

    @Slot()
    def open_log_folder(self) -> None:
        about.open_log_folder()

    @Slot()
    def show_about(self) -> None:
        if self._about is None:
            settings = self.model.settings
            url = settings.sandbox_url if settings.is_sandbox else None
            model = self.model
            summary = model.support_summary if settings.is_configured else None
            self._about = AboutDialog(settings.profile, url, support_summary=summary)
            self._about.finished.connect(self._about_closed)
        self._about.show()
        self._about.raise_()
        self._about.activateWindow()

    def _about_closed(self, _result: int) -> None:
        about, self._about = self._about, None  # the profile may differ next time (after the wizard)
        if about is not None:
            about.deleteLater()

    # ----- other windows -----
    @Slot()
    def open_wizard(self) -> None:
        self._open_wizard()

    @Slot()
    def open_invoices(self) -> None:
        if self._open_invoices is not None:
            self._open_invoices()
