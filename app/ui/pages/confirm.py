"""Step 5: show what was stored (masked) and a fingerprint support can read back over the phone."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from app.ui.pages.base import StepPage, WizardContext
from app.ui.steps import CONFIRM_VALUES
from app.ui.widgets import (
    Notice,
    NoticeKind,
    action_button,
    busy_bar,
    button_row,
    copy_to_clipboard,
    field_label,
    instructions,
    monospace,
)
from app.ui.wizard_model import WizardModel


@dataclass(frozen=True)
class StoredValues:
    masked_client_id: str
    masked_secret: str
    fingerprint: str
    keyring: str


def read_stored_values(model: WizardModel) -> StoredValues:
    return StoredValues(
        model.masked_client_id(),
        model.masked_client_secret(),
        model.fingerprint(),
        model.settings.keyring_backend or "the system keyring",
    )


class ConfirmPage(StepPage):
    TITLE = "Confirm values"
    SUBTITLE = "Check that the values saved match the app in Xero."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, CONFIRM_VALUES)
        self.masked_id = self._readonly("Client ID (masked)")
        self.masked_secret = self._readonly("Client secret (masked)")
        self.stored_in = self._readonly("Stored in")
        self.fingerprint = QLabel("- - - -")
        self.fingerprint.setFont(monospace(3))  # a little larger than the fields, read aloud to support
        self.fingerprint.setAccessibleName("Fingerprint of the client ID and secret")
        self.fingerprint.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.fingerprint.setStyleSheet("letter-spacing: 2px;")
        self.copy_summary = action_button(
            "Copy support summary",
            "Copy the support summary (no secret) to the clipboard",
            self.copy_support_summary,
        )
        self.busy = busy_bar("Reading the saved values")
        self.notice = Notice("Saved values")

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(field_label("Client &ID:", self.masked_id), self.masked_id)
        form.addRow(field_label("Client s&ecret:", self.masked_secret), self.masked_secret)
        form.addRow(field_label("Stored in:", self.stored_in), self.stored_in)
        form.addRow(field_label("&Fingerprint:", self.fingerprint), self.fingerprint)
        holder = QWidget()
        holder.setLayout(form)
        buttons = button_row(self.copy_summary)
        self.add(
            instructions(
                "The first and last four characters of the client ID should match the ID in "
                "Xero's Configuration tab. The secret is never shown in full again."
            ),
            holder,
            instructions(
                "If you call support, read them the <b>fingerprint</b>: it confirms both the "
                "client ID and the secret without revealing the secret. The support summary "
                "contains everything support needs and no secret."
            ),
            buttons,
            self.busy,
            self.notice,
        )
        self.body.addStretch(1)

    @staticmethod
    def _readonly(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setReadOnly(True)
        edit.setAccessibleName(name)
        edit.setFont(monospace())
        return edit

    def initializePage(self) -> None:
        self.notice.clear()
        self.masked_id.setText(self.model.masked_client_id())
        if self.ctx.autoload:
            self.busy.show()
            self.run(
                lambda: read_stored_values(self.model),
                self.show_values,
                self.show_problem,
                name="read_stored_values",
            )

    def show_values(self, values: StoredValues) -> None:
        self.busy.hide()
        self.masked_id.setText(values.masked_client_id)
        self.masked_secret.setText(values.masked_secret)
        self.stored_in.setText(values.keyring)
        self.fingerprint.setText(values.fingerprint)

    def show_problem(self, sentence: str) -> None:
        self.busy.hide()
        self.notice.show_message(NoticeKind.ERROR, sentence)

    def copy_support_summary(self) -> None:
        self.copy_summary.setEnabled(False)
        self.run(
            self.model.support_summary, self._summary_ready, self._summary_failed, name="support_summary"
        )

    def _summary_ready(self, text: str) -> None:
        copy_to_clipboard(text)
        self.copy_summary.setEnabled(True)
        self.notice.show_message(
            NoticeKind.SUCCESS,
            "The support summary is on the clipboard; paste it into your "
            "message to support. It contains no secret.",
        )

    def _summary_failed(self, sentence: str) -> None:
        self.copy_summary.setEnabled(True)
        self.notice.show_message(NoticeKind.ERROR, sentence)
