"""Step 6: approve Xero Connect in the browser; the loopback listener (or a pasted URL) brings it back."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.formatting import countdown, describe_expiry, describe_organisations, describe_scopes
from app.ui.pages.base import StepPage, WizardContext, go_to_step
from app.ui.steps import AUTHORIZE, RECORD_CREDENTIALS
from app.ui.widgets import (
    Notice,
    NoticeKind,
    action_button,
    busy_bar,
    copy_to_clipboard,
    field_label,
    instructions,
)
from app.xero.errors import SecretRejected

if TYPE_CHECKING:
    from app.authorization import AuthorizationAttempt, AuthorizationOutcome
    from app.ui.workers import Task

AUTHORIZE_TEXT = "Authorise && obtain new Xero access token"
MISMATCH_HINT_AFTER = 45  # seconds of waiting before the hint says what reached the listener so far


class AuthState(StrEnum):
    """Where step 6's one trip to Xero's consent page is."""

    IDLE = "idle"
    PREPARING = "preparing"  # checking the secret and the consent URL, starting the listener
    WAITING = "waiting"  # for the browser to come back to the listener
    PASTING = "pasting"  # exchanging a pasted redirect URL
    DONE = "done"
    FAILED = "failed"


ACTIVE = frozenset({AuthState.PREPARING, AuthState.WAITING, AuthState.PASTING})  # a trip under way


class AuthorizePage(StepPage):
    TITLE = "Obtain access token"
    SUBTITLE = "Approve Xero Connect in your browser so it may work with your organisation."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, AUTHORIZE)
        self.state = AuthState.IDLE
        self.attempt: AuthorizationAttempt | None = None
        self.outcome: AuthorizationOutcome | None = None
        self._wait_task: Task | None = None
        self._paste_task: Task | None = None
        self._wait_failure: str | None = None
        self._cancelled = False
        self._generation = 0  # bumped by every start and cancel; late answers of older tries are dropped
        self._deadline = 0.0
        self._started = 0.0
        self._credentials_version = ctx.credentials_version  # what the state shown here is about

        self.authorize = action_button(
            AUTHORIZE_TEXT,
            "Authorise and obtain a new Xero access token",
            lambda: self.start(use_listener=True),
        )
        # Not "Cancel": that is the wizard's own button, which closes it.
        self.cancel = action_button("Stop waiting", "Stop waiting for Xero", self.cancel_attempt)
        self.cancel.hide()
        self.reopen = action_button(
            "Open the page again",
            "Open Xero's approval page in the browser again",
            self.open_again,
        )
        self.reopen.hide()
        # The approval link goes to the clipboard only when asked: anyone who has it can consent.
        self.copy_link = action_button(
            "Copy approval link",
            "Copy the link of Xero's approval page to the clipboard",
            self.copy_approval_link,
            tip="For a browser on another computer. Anyone with this link can approve with their own "
            "organisation: do not share it.",
        )
        self.copy_link.hide()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.authorize, self.reopen, self.copy_link, self.cancel):
            buttons.addWidget(button)
        buttons.addStretch(1)
        button_row = QWidget()
        button_row.setLayout(buttons)

        self.busy = busy_bar("Waiting for Xero")
        self.status = Notice("Authorisation status")
        self.hint = Notice("Hint")

        # The paste-back path: for a browser on another computer or when no port can be opened.
        self.expander = QToolButton()
        self.expander.setText("Paste redirect URL instead")
        self.expander.setCheckable(True)
        self.expander.setArrowType(Qt.ArrowType.RightArrow)
        self.expander.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.expander.setAccessibleName("Show the paste redirect URL option")
        self.expander.setAutoRaise(True)
        self.expander.toggled.connect(self.on_expand)
        self.paste_box = QWidget()
        paste_layout = QVBoxLayout(self.paste_box)
        paste_layout.setContentsMargins(18, 0, 0, 0)
        paste_layout.addWidget(
            instructions(
                "Use this when the browser runs on another computer or no listener port can be opened. "
                "After you approve, the browser shows an error page for a <i>localhost</i> address: copy the "
                "whole address from its address bar and paste it here."
            )
        )
        self.paste = QLineEdit()
        self.paste.setAccessibleName("Redirect URL from the browser")
        self.paste.setPlaceholderText("http://localhost:53682/callback?code=…&state=…")
        self.paste.textChanged.connect(self.update_paste_buttons)
        self.paste.returnPressed.connect(self.complete_with_paste)
        self.paste_button = action_button(
            "Use this URL",
            "Complete the authorisation with the pasted URL",
            self.complete_with_paste,
        )
        self.no_listener = QPushButton("Start without listener")
        self.no_listener.setAutoDefault(True)
        self.no_listener.setAccessibleName("Start the authorisation without a listener and copy the link")
        self.no_listener.setToolTip("Open Xero's approval page and copy its link without listening on a port")
        self.no_listener.clicked.connect(self.start_without_listener)
        paste_row = QHBoxLayout()
        paste_row.setContentsMargins(0, 0, 0, 0)
        paste_row.addWidget(self.paste, 1)
        paste_row.addWidget(self.paste_button)
        paste_form = QFormLayout()
        paste_form.setContentsMargins(0, 0, 0, 0)
        paste_holder = QWidget()
        paste_holder.setLayout(paste_row)
        paste_form.addRow(field_label("&Redirect URL:", self.paste), paste_holder)
        paste_layout.addLayout(paste_form)
        start_row = QHBoxLayout()
        start_row.setContentsMargins(0, 0, 0, 0)
        start_row.addWidget(self.no_listener)
        start_row.addStretch(1)
        paste_layout.addLayout(start_row)
        self.paste_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.paste_box.hide()

        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setAccessibleName("Authorisation result")
        self.result.hide()

        self.add(
            instructions(
                "Click the button below. Your browser opens Xero's approval page: sign in if asked, "
                "<b>tick the organisation</b> Xero Connect should work with, and click <b>Allow "
                "access</b>. The browser then says it is done and you can come back here."
            ),
            button_row,
            self.busy,
            self.status,
            self.hint,
            self.result,
            self.expander,
            self.paste_box,
        )
        self.body.addStretch(1)
        self.setTabOrder(self.authorize, self.reopen)
        self.setTabOrder(self.reopen, self.copy_link)
        self.setTabOrder(self.copy_link, self.cancel)
        self.setTabOrder(self.cancel, self.expander)
        self.setTabOrder(self.expander, self.paste)
        self.setTabOrder(self.paste, self.paste_button)
        self.setTabOrder(self.paste_button, self.no_listener)

        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.tick)
        self.update_paste_buttons()

    # ----- lifecycle -----
    def initializePage(self) -> None:
        if self._credentials_version != self.ctx.credentials_version:
            self.forget()
        if self.state == AuthState.IDLE and self.ctx.changed_redirect_uris:
            self.hint.show_message(
                NoticeKind.WARNING,
                "The listener ports changed in step 2: the app in Xero must list "
                + ", ".join(self.ctx.changed_redirect_uris)
                + ", or Xero refuses the sign-in.",
            )
        if self.state == AuthState.IDLE and self.ctx.already_authorised:
            self.status.show_message(
                NoticeKind.INFO,
                "Xero Connect is already authorised. Authorise again only to add an organisation or when "
                "Xero no longer accepts the saved authorisation; otherwise click Next.",
            )

    def primary(self) -> QWidget:
        return self.authorize

    def forget(self) -> None:
        """New credentials were saved: what this page showed was about the old ones."""
        self.stop_attempt()
        self._credentials_version = self.ctx.credentials_version
        self.outcome = None
        self.result.hide()
        self.result.clear()
        self.status.clear()
        self.hint.clear()
        self._set_state(AuthState.IDLE)

    def cleanupPage(self) -> None:
        self.stop_attempt()
        super().cleanupPage()

    def shutdown(self) -> None:
        self.stop_attempt()

    def isComplete(self) -> bool:
        if self.state in ACTIVE:
            return False
        return self.state == AuthState.DONE or self.ctx.already_authorised

    # ----- starting -----
    def start(self, use_listener: bool = True) -> None:
        if self.state in ACTIVE:
            return
        self._cancelled = False
        self._generation += 1
        generation = self._generation
        self._wait_failure = None
        self.outcome = None
        self.attempt = None
        self.result.hide()
        self.hint.clear()
        self._set_state(AuthState.PREPARING)
        self.status.show_message(
            NoticeKind.INFO, "Preparing the approval page and checking the app with Xero…"
        )
        model = self.model
        begin = self.run(
            lambda: model.begin_authorization(use_listener=use_listener),
            lambda attempt: self._attempt_ready(attempt, use_listener, generation),
            lambda sentence: self._begin_failed(begin, sentence, generation),
            name="begin_authorization",
        )

    def _begin_failed(self, task: Task, sentence: str, generation: int) -> None:
        if generation != self._generation:
            return
        if task.failed_with(SecretRejected):  # found before the browser opened: back to step 4
            self._secret_refused(sentence)
            return
        self._failed(sentence)

    def start_without_listener(self) -> None:
        self.start(use_listener=False)

    def _attempt_ready(self, attempt: AuthorizationAttempt, listening: bool, generation: int) -> None:
        if self._cancelled or self.state != AuthState.PREPARING or generation != self._generation:
            self._drop(attempt)
            return
        self.attempt = attempt
        self.ctx.opener(attempt.url)
        self._set_state(AuthState.WAITING)
        where = f"Xero Connect is listening at {attempt.redirect_uri}." if listening else ""
        if listening:
            self._started = time.monotonic()
            self._deadline = self._started + self.model.listener_timeout
            self.ticker.start()
            self.tick()
            self._wait_task = self.run(
                attempt.wait,
                lambda outcome: self._succeeded(outcome) if generation == self._generation else None,
                lambda sentence: self._wait_failed(sentence) if generation == self._generation else None,
                name="wait_for_browser",
            )
        else:
            self.status.show_message(
                NoticeKind.INFO,
                "The approval page is open in your browser (for another computer, click Copy approval "
                "link). After you allow access, paste the address the browser ends on below.",
            )
            self.expander.setChecked(True)
            self.paste.setFocus()
        if where:
            self.reopen.setToolTip(where)
        for note in attempt.notes:
            self.hint.show_message(NoticeKind.INFO, note)

    def tick(self) -> None:
        if self.state != AuthState.WAITING or self.attempt is None:
            self.ticker.stop()
            return
        left = self._deadline - time.monotonic()
        self.status.show_message(
            NoticeKind.INFO,
            f"Waiting for you to allow access in the browser ({countdown(left)} left). Xero Connect is "
            f"listening at {self.attempt.redirect_uri}.",
        )
        if time.monotonic() - self._started >= MISMATCH_HINT_AFTER and self.hint.kind != NoticeKind.ERROR:
            hint = self.attempt.waiting_hint()  # follows what reached the listener; never a stale guess
            if self.hint.text() != hint:
                self.hint.show_message(NoticeKind.WARNING, hint)

    def open_again(self) -> None:
        if self.attempt is not None:
            self.ctx.opener(self.attempt.url)

    def copy_approval_link(self) -> None:
        if self.attempt is not None:
            copy_to_clipboard(self.attempt.url)

    # ----- finishing -----
    def _succeeded(self, outcome: AuthorizationOutcome) -> None:
        if self._cancelled:
            return
        self.ticker.stop()
        self.outcome = outcome
        self.ctx.outcome = outcome
        self.attempt = None
        self._set_state(AuthState.DONE)
        self.hint.clear()
        if outcome.first_connect:
            self.status.show_message(
                NoticeKind.SUCCESS,
                f"{outcome.consent_summary()} If that was not you, do not click Next: authorise again "
                "and approve it yourself. Otherwise click Next and confirm the organisation.",
            )
        else:
            self.status.show_message(
                NoticeKind.SUCCESS, "Xero Connect is authorised. Click Next to choose the organisation."
            )
        wizard = self.wizard()
        if wizard is not None:  # back from the browser: the wizard comes to the front for the next step
            wizard.raise_()
            wizard.activateWindow()
        tokens = outcome.tokens
        lines = [
            f"Permissions granted: {describe_scopes(tokens.scope)}",
            describe_expiry(tokens.expires_at),
            describe_organisations(outcome),
            *outcome.notes,
        ]
        self.result.setText(
            "<ul style='margin-left:-24px'>"
            + "".join(f"<li>{_escape(line)}</li>" for line in lines)
            + "</ul>"
        )
        self.result.setToolTip("Scopes granted by Xero: " + " ".join(tokens.scope))
        self.result.show()

    def _wait_failed(self, sentence: str) -> None:
        if self._wait_task is not None and self._wait_task.failed_with(SecretRejected):
            self._secret_refused(sentence)
            return
        if self._paste_task is not None:
            self._wait_failure = sentence  # the pasted URL decides the outcome
            return
        if self._cancelled:
            return
        self._failed(sentence)

    def _failed(self, sentence: str) -> None:
        self.ticker.stop()
        if self._cancelled:
            return
        self.attempt = None
        self._set_state(AuthState.FAILED)
        self.hint.clear()  # a "Taking long?" guess made while waiting; the failure names its own cause
        self.status.show_message(NoticeKind.ERROR, sentence)
        self.authorize.setFocus()

    def _secret_refused(self, sentence: str) -> None:
        """Xero refused the secret at the code exchange: the way on is a new secret on step 4, not
        another trip through the browser with the same one."""
        if self._cancelled:
            return
        self.ctx.secret_rejected = sentence
        self.stop_attempt()
        self.attempt = None
        self._set_state(AuthState.IDLE)
        self.status.clear()
        self.hint.clear()
        go_to_step(self.wizard(), RECORD_CREDENTIALS)

    def _abandon_attempt(self) -> None:
        """Stop the countdown, release the listener and make any late answer stale."""
        self._cancelled = True
        self._generation += 1
        self.ticker.stop()
        attempt, self.attempt = self.attempt, None
        if attempt is not None:
            attempt.cancel()

    def cancel_attempt(self) -> None:
        self._abandon_attempt()
        self._set_state(AuthState.FAILED)
        self.hint.clear()
        self.status.show_message(NoticeKind.WARNING, "Stopped waiting for Xero. Click Retry to start again.")
        self.authorize.setFocus()

    def stop_attempt(self) -> None:
        """Leave the page quietly: release the listener port, ignore late answers."""
        if self.state in ACTIVE:
            self._abandon_attempt()
            self._set_state(AuthState.IDLE)
            self.status.clear()
            self.hint.clear()

    def _drop(self, attempt: AuthorizationAttempt) -> None:
        attempt.cancel()
        self.run(attempt.close, lambda _r: None, lambda _s: None, name="close_attempt")

    # ----- pasting -----
    def on_expand(self, shown: bool) -> None:
        self.expander.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.expander.setAccessibleName(("Hide" if shown else "Show") + " the paste redirect URL option")
        self.paste_box.setVisible(shown)
        if shown:
            self.paste.setFocus()

    def update_paste_buttons(self) -> None:
        busy = self.state in (AuthState.PREPARING, AuthState.PASTING)
        self.paste_button.setEnabled(bool(self.paste.text().strip()) and not busy)
        self.no_listener.setEnabled(self.state not in ACTIVE)

    def complete_with_paste(self) -> None:
        text = self.paste.text().strip()
        if not text or self.state in (AuthState.PREPARING, AuthState.PASTING):
            return
        if self.attempt is None:
            self.status.show_message(
                NoticeKind.WARNING,
                "First start an authorisation (the Authorise button, or Start without listener below), "
                "allow access in the browser, then paste the address it ends on.",
            )
            return
        attempt = self.attempt
        self._set_state(AuthState.PASTING)
        self.ticker.stop()
        self.status.show_message(NoticeKind.INFO, "Checking the pasted address with Xero…")
        self._paste_task = self.run(
            lambda: attempt.complete_with_pasted_url(text),
            self._paste_ok,
            self._paste_failed,
            name="complete_with_pasted_url",
        )

    def _paste_ok(self, outcome: AuthorizationOutcome) -> None:
        self._paste_task = None
        if self._wait_task is not None:
            self._wait_task.discard()
        self.paste.clear()
        self._succeeded(outcome)

    def _paste_failed(self, sentence: str) -> None:
        task, self._paste_task = self._paste_task, None
        if task is not None and task.failed_with(SecretRejected):
            self._secret_refused(sentence)
            return
        if self._wait_task is not None and self._wait_task.running and self.attempt is not None:
            self._set_state(
                AuthState.WAITING
            )  # the listener is still there: keep waiting, say what was wrong
            self.ticker.start()
            self.hint.show_message(NoticeKind.ERROR, sentence)
            return
        self._failed(sentence)

    # ----- display -----
    def _set_state(self, state: AuthState) -> None:
        self.state = state
        active = state in ACTIVE
        self.busy.setVisible(active)
        self.cancel.setVisible(state in (AuthState.PREPARING, AuthState.WAITING))
        self.reopen.setVisible(state == AuthState.WAITING and self.attempt is not None)
        self.copy_link.setVisible(state == AuthState.WAITING and self.attempt is not None)
        self.authorize.setEnabled(not active)
        self.authorize.setText("Retry" if state == AuthState.FAILED else AUTHORIZE_TEXT)
        self.authorize.setAccessibleName(
            "Retry the authorisation"
            if state == AuthState.FAILED
            else "Authorise and obtain a new Xero access token"
        )
        if state == AuthState.PREPARING:
            self.reopen.hide()
        self.update_paste_buttons()
        self.completeChanged.emit()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
