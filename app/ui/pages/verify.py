"""Step 8: one real call to the chosen organisation; says who answered, or why not."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from app import autostart
from app.ui.pages.base import StepPage, WizardContext, go_to_step
from app.ui.steps import AUTHORIZE, PICK_TENANT, VERIFY
from app.ui.widgets import Notice, NoticeKind, action_button, busy_bar, button_row, instructions

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from app.setup_state import CheckResult
    from app.ui.workers import Task


class VerifyPage(StepPage):
    TITLE = "Verify connection"
    SUBTITLE = "Make one real request to the chosen organisation to prove everything works."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, VERIFY)
        self.checking = False
        self._task: Task | None = None
        self.result: CheckResult | None = None
        self._credentials_version = ctx.credentials_version  # what the result shown here is about
        self.check = action_button("Check connection", "Check the connection to Xero", self.run_check)
        self.stop = action_button("Stop waiting", "Stop waiting for the connection check", self.stop_waiting)
        self.stop.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.stop)
        row.addStretch(1)
        self.reauthorize = action_button(
            "Authorise again (step 6)",
            "Go to step 6 and authorise again",
            lambda: go_to_step(self.wizard(), AUTHORIZE),
        )
        self.repick = action_button(
            "Choose organisation (step 7)",
            "Go to step 7 and choose the organisation",
            lambda: go_to_step(self.wizard(), PICK_TENANT),
        )
        self.fixes = button_row(self.reauthorize, self.repick)
        self.fixes.hide()
        # After a successful check: the next thing most people do (only where the host can open it).
        self.draft = QPushButton("Draft invoices…")
        self.draft.setAccessibleName("Open the Draft invoices window")
        self.draft.setToolTip("Turn CRM quotes or orders into draft sales invoices in this organisation")
        self.draft.setAutoDefault(True)
        self.draft.clicked.connect(self.open_invoices)
        self.draft_box = button_row(self.draft, indent=26)
        self.draft_box.hide()
        buttons = QWidget()
        buttons.setLayout(row)
        self.busy = busy_bar("Checking the connection")
        self.status = Notice("Connection status")
        self.details = QWidget()
        self.details_form = QFormLayout(self.details)
        self.details_form.setContentsMargins(26, 0, 0, 0)
        self.details.hide()
        # The tray's quiet checks twice a day are what keep Xero's 60-day refresh token alive.
        self.start_at_login = QCheckBox("Start at login (keeps the connection alive)")
        self.start_at_login.setToolTip(
            "The tray checks the connection quietly twice a day, which keeps "
            "Xero's authorisation from expiring after 60 days unused."
        )
        self.start_at_login.setChecked(True)
        self.start_at_login.setVisible(autostart.supported())
        self.add(
            instructions(
                "Click <b>Check connection</b>. Xero Connect asks Xero for the organisation's "
                "details; nothing is changed in Xero. Then click <b>Finish</b> to save and close."
            ),
            buttons,
            self.busy,
            self.status,
            self.details,
            self.draft_box,
            self.fixes,
            self.start_at_login,
        )
        self.body.addStretch(1)
        self.setTabOrder(self.check, self.stop)
        self.setTabOrder(self.stop, self.reauthorize)
        self.setTabOrder(self.reauthorize, self.repick)
        self.setTabOrder(self.stop, self.draft)

    def initializePage(self) -> None:
        if self._credentials_version != self.ctx.credentials_version:
            self._credentials_version = self.ctx.credentials_version
            if self._task is not None:
                self._task.discard()
            self._done()
            self.result = None
            self.details.hide()
            self.draft_box.hide()
            self.fixes.hide()
            self.status.clear()
        name = self.model.settings.tenant_name
        if self.result is None and not self.checking:
            self.status.show_message(
                NoticeKind.INFO,
                (f"Organisation to check: {name}. " if name else "")
                + "Finish is offered once the connection check has succeeded.",
            )

    def primary(self) -> QWidget:
        return self.check

    def on_finish(self) -> None:
        if not autostart.supported():
            return
        try:
            autostart.set_enabled(self.start_at_login.isChecked())
        except OSError as exc:  # the setup itself is saved; the tray's menu offers this again
            log.warning("start at login could not be changed: %s", exc.strerror or exc)

    def isComplete(self) -> bool:
        """Finish only once a check has succeeded (the page says what to check until then)."""
        return self.result is not None and not self.checking

    def run_check(self) -> None:
        if self.checking:
            return
        self.checking = True
        self.check.setEnabled(False)
        self.stop.show()
        self.busy.show()
        self.details.hide()
        self.draft_box.hide()
        self.fixes.hide()
        self.status.show_message(NoticeKind.INFO, "Checking the connection with Xero…")
        self.completeChanged.emit()
        self._task = self.run(
            self.model.check_connection, self.show_result, self.show_problem, name="check_connection"
        )

    def stop_waiting(self) -> None:
        """The request cannot be pulled back, but its answer is ignored and the page is usable again."""
        if self._task is not None:
            self._task.discard()
        self._done()
        self.status.show_message(
            NoticeKind.WARNING, "Stopped waiting for Xero. Click Check connection to try again."
        )

    def shutdown(self) -> None:
        if self._task is not None:
            self._task.discard()

    def _done(self) -> None:
        self.checking = False
        self._task = None
        self.busy.hide()
        self.stop.hide()
        self.check.setEnabled(True)
        self.check.setFocus()
        self.completeChanged.emit()

    def show_result(self, result: CheckResult) -> None:
        self._done()
        self.result = result
        self.completeChanged.emit()
        self.status.show_message(NoticeKind.SUCCESS, result.message)
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        for label, value in result.details():
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(label)
            self.details_form.addRow(f"{label}:", text)
        self.details.show()
        self.draft_box.setVisible(self.ctx.open_invoices is not None)

    def open_invoices(self) -> None:
        """Like Finish, then the window: saved first (the window reads a fresh model), opened before the
        wizard closes (so a wizard-only run does not quit on its last window)."""
        if self.ctx.open_invoices is None:
            return
        self.model.save()
        self.ctx.open_invoices()
        wizard = self.wizard()
        if wizard is not None:
            wizard.accept()

    def show_problem(self, sentence: str) -> None:
        self._done()
        self.result = None
        self.completeChanged.emit()
        self.details.hide()
        self.draft_box.hide()
        self.status.show_message(NoticeKind.ERROR, sentence)
        self.fixes.show()  # never a dead end: the two steps that fix most failures
