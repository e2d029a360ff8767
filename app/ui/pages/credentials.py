"""Step 4: paste the client ID and secret; checked as you type, saved to the keyring on Next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.app_naming import DESKTOP_APP
from app.credentials import check_credentials, clean
from app.ui.pages.base import StepPage, WizardContext
from app.ui.steps import RECORD_CREDENTIALS
from app.ui.widgets import Notice, NoticeKind, action_button, busy_bar, field_label, instructions, monospace
from app.xero.errors import SecretRejected

if TYPE_CHECKING:
    from app.ui.workers import Task

PROBLEM_STYLE = "color: #a4262c;"
NEW_SECRET_PLACEHOLDER = "48 characters, shown once by Xero"
KEEP_SECRET_PLACEHOLDER = "Leave empty to keep the secret already saved for this client ID"


@dataclass
class FieldProblems:
    """The live check split per field, so each sentence sits under the field it is about."""

    client_id: str = ""
    client_secret: str = ""
    swapped: str = ""
    ok: bool = False


def field_problems(
    client_id: str, client_secret: str, keep_stored_secret: bool = False, needs_secret: bool = True
) -> FieldProblems:
    """Check the values; an empty field gets no sentence (it is simply not done yet), except the secret
    once a valid client ID is in: then it is why Next waits. A Mobile or desktop app has no secret."""
    cid, secret = clean(client_id), clean(client_secret)
    if (keep_stored_secret or not needs_secret) and not secret:
        alone = check_credentials(cid, "", needs_secret=False)
        return FieldProblems(client_id=" ".join(alone.problems) if cid else "", ok=alone.ok)
    check = check_credentials(cid, secret)
    if check.swapped:
        return FieldProblems(swapped=" ".join(check.problems))
    id_only = check_credentials(cid, "", needs_secret=False).problems
    secret_only = [p for p in check.problems if p not in id_only]
    return FieldProblems(
        client_id=" ".join(id_only) if cid else "",
        client_secret=" ".join(secret_only) if secret or (cid and not id_only) else "",
        ok=check.ok,
    )


ID_ONLY_SUBTITLE = "Copy the client ID from the app's Configuration tab in Xero and paste it here."
ID_ONLY_HOW = (
    "A Mobile or desktop app has no client secret: the client ID is all Xero Connect needs. Use "
    "the copy button next to <b>Client id</b> in Xero. Spaces and line breaks picked up while "
    "copying are removed for you."
)


class CredentialsPage(StepPage):
    TITLE = "Record client ID and secret"
    SUBTITLE = "Copy both values from the app's Configuration tab in Xero and paste them here."
    HOW = (
        "Use the copy buttons next to <b>Client id</b> and the new <b>Client secret</b> in Xero. Spaces "
        "and line breaks picked up while copying are removed for you."
    )

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, RECORD_CREDENTIALS)
        self.client_id = QLineEdit()
        self.client_id.setAccessibleName("Client ID")
        self.client_id.setPlaceholderText("32 characters, for example 0123456789ABCDEF0123456789ABCDEF")
        self.client_id.setFont(monospace())
        self.secret = QLineEdit()
        self.secret.setAccessibleName("Client secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setFont(monospace())
        self.show_secret = QPushButton("Show")
        self.show_secret.setCheckable(True)
        self.show_secret.setAutoDefault(True)
        self.show_secret.setAccessibleName("Show the client secret")
        self.show_secret.toggled.connect(self.on_show_toggled)
        self.id_problem = self._problem_label("Client ID problem")
        self.secret_problem = self._problem_label("Client secret problem")
        self.swap_notice = Notice("Swapped values")
        self.swap_button = action_button("Swap them", "Swap the client ID and the client secret", self.swap)
        self.swap_button.hide()
        self.save_notice = Notice("Saving")
        self.missing_notice = Notice("Missing secret")
        self.busy = busy_bar("Saving to the system keyring")

        secret_row = QHBoxLayout()
        secret_row.setContentsMargins(0, 0, 0, 0)
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.show_secret)
        self.form = form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("Client &ID:", self.client_id), self._stack(self.client_id, self.id_problem))
        form.addRow(field_label("Client &secret:", self.secret), self._stack(secret_row, self.secret_problem))
        holder = QWidget()
        holder.setLayout(form)
        swap_row = QHBoxLayout()
        swap_row.setContentsMargins(0, 0, 0, 0)
        swap_row.addWidget(self.swap_notice, 1)
        swap_row.addWidget(self.swap_button)
        swap_holder = QWidget()
        swap_holder.setLayout(swap_row)
        self.how_to = instructions(self.HOW)
        self.keyring_words = instructions(
            "The secret goes into this computer's system keyring, never into "
            "a file. It stays hidden unless you click Show."
        )
        self.add(
            self.how_to,
            self.missing_notice,
            holder,
            swap_holder,
            self.busy,
            self.save_notice,
            self.keyring_words,
        )
        self.body.addStretch(1)
        self.setTabOrder(self.client_id, self.secret)
        self.setTabOrder(self.secret, self.show_secret)
        self.setTabOrder(self.show_secret, self.swap_button)
        self.client_id.textChanged.connect(self.on_changed)
        self.secret.textChanged.connect(self.on_changed)
        self._saved: tuple[str, str] | None = None
        self._saving: Task | None = None
        self._keep_stored = False
        self._secret_missing = False
        self._problems = FieldProblems()

    @staticmethod
    def _problem_label(name: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(PROBLEM_STYLE)
        label.setAccessibleName(name)
        label.hide()
        return label

    @staticmethod
    def _stack(top: QWidget | QHBoxLayout, bottom: QLabel) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if isinstance(top, QWidget):
            layout.addWidget(top)
        else:
            layout.addLayout(top)
        layout.addWidget(bottom)
        return box

    # ----- page lifecycle -----
    def id_only(self) -> bool:
        """A Mobile or desktop app (chosen in step 2 or saved): the page shrinks to the client ID."""
        return self.ctx.chosen_app_type() == DESKTOP_APP

    def initializePage(self) -> None:
        id_only = self.id_only()
        if id_only:
            self.secret.clear()
        self.form.setRowVisible(1, not id_only)
        self.keyring_words.setVisible(not id_only)
        self.how_to.setText(ID_ONLY_HOW if id_only else self.HOW)
        self.setSubTitle(ID_ONLY_SUBTITLE if id_only else self.SUBTITLE)
        stored_id = self.model.settings.client_id
        if stored_id and not self.client_id.text():
            self.client_id.setText(stored_id)
        # Opened here because the secret is gone from the keyring: nothing stored is there to keep.
        missing = bool(stored_id) and self.ctx.secret_missing and not id_only
        self._keep_stored = bool(stored_id) and not missing
        self._secret_missing = missing
        if missing:
            self.missing_notice.show_message(
                NoticeKind.WARNING,
                (
                    "The client secret saved for this client ID is not in the system keyring, or the "
                    "keyring could not be read. Paste it again from Xero; if it was lost, generate a new "
                    "one (step 3). " + self.ctx.keyring_note
                ).strip(),
            )
        else:
            self.missing_notice.clear()
        self.on_changed()

    def on_shown(self) -> None:
        if not self.ctx.secret_rejected:
            return
        # Sent back from step 6: Xero refused the saved secret, so there is nothing worth keeping.
        self._keep_stored = False
        self._saved = None
        self.secret.clear()
        self.missing_notice.show_message(NoticeKind.ERROR, self.ctx.secret_rejected)
        self.on_changed()

    def primary(self) -> QWidget:
        # Where the paste goes: the secret when it is the missing or the refused value.
        return self.secret if self._secret_missing or self.ctx.secret_rejected else self.client_id

    def may_keep_stored_secret(self) -> bool:
        """The ID is the saved one and its secret is there: an empty secret field keeps it."""
        return self._keep_stored and clean(self.client_id.text()).upper() == self.model.settings.client_id

    def keeps_stored_secret(self) -> bool:
        return self.may_keep_stored_secret() and not clean(self.secret.text())

    def values(self) -> tuple[str, str]:
        return clean(self.client_id.text()), clean(self.secret.text())

    # ----- live check -----
    def on_changed(self) -> None:
        for edit in (self.client_id, self.secret):
            cleaned = clean(edit.text())
            if cleaned != edit.text():
                edit.setText(cleaned)  # re-enters on_changed once with the clean text
                return
        self._problems = field_problems(
            self.client_id.text(),
            self.secret.text(),
            self.keeps_stored_secret(),
            needs_secret=not self.id_only(),
        )
        self.secret.setPlaceholderText(
            KEEP_SECRET_PLACEHOLDER if self.may_keep_stored_secret() else NEW_SECRET_PLACEHOLDER
        )
        self._set_problem(self.id_problem, self._problems.client_id)
        self._set_problem(self.secret_problem, self._problems.client_secret)
        if self._problems.swapped:
            self.swap_notice.show_message(NoticeKind.WARNING, self._problems.swapped)
            self.swap_button.show()
        else:
            self.swap_notice.clear()
            self.swap_button.hide()
        self.save_notice.clear()
        self.completeChanged.emit()

    @staticmethod
    def _set_problem(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def swap(self) -> None:
        cid, secret = self.client_id.text(), self.secret.text()
        self.client_id.setText(secret)
        self.secret.setText(cid)
        self.secret.setFocus()

    def on_show_toggled(self, shown: bool) -> None:
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_secret.setText("Hide" if shown else "Show")
        self.show_secret.setAccessibleName("Hide the client secret" if shown else "Show the client secret")

    def isComplete(self) -> bool:
        return self._problems.ok and self._saving is None

    # ----- saving on Next -----
    def validatePage(self) -> bool:
        app_type = self.ctx.chosen_app_type()
        same_type = app_type == self.model.settings.app_type
        if self.keeps_stored_secret() and same_type:
            return True
        cid, secret = self.values()
        if self._saved == (cid, secret) and same_type:
            return True
        if self._saving is not None:
            return False
        self._set_busy(True)
        model = self.model

        def check_and_save() -> None:  # in a worker: the check asks Xero, the save touches the keyring
            if secret:
                model.check_secret(cid, secret)  # a wrong secret is named here, before any browser
            model.save_credentials(cid, secret or None, app_type)

        self._saving = self.run(
            check_and_save,
            lambda _r: self._saved_ok((cid, secret)),
            self._save_failed,
            name="save_credentials",
        )
        self.completeChanged.emit()
        return False

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.client_id, self.secret, self.show_secret, self.swap_button):
            widget.setEnabled(not busy)
        if busy:
            self.save_notice.show_message(NoticeKind.INFO, "Saving the secret in the system keyring…")

    def _saved_ok(self, values: tuple[str, str]) -> None:
        self._saving = None
        self._saved = values
        self.ctx.secret_missing = False
        self.ctx.credentials_changed()
        self.missing_notice.clear()
        self._set_busy(False)
        self.save_notice.clear()
        self.completeChanged.emit()
        wizard = self.wizard()
        if wizard is not None and wizard.currentPage() is self:
            wizard.next()

    def _save_failed(self, sentence: str) -> None:
        task, self._saving = self._saving, None
        self._set_busy(False)
        if task is not None and task.failed_with(SecretRejected):
            # Xero refused the secret before any consent: nothing was saved; paste the right one.
            self._keep_stored = False  # whatever is saved for this ID is not worth keeping either
            self.secret.clear()
            self.on_changed()
            self.missing_notice.show_message(NoticeKind.ERROR, sentence)
            self.secret.setFocus()
            return
        self.save_notice.show_message(NoticeKind.ERROR, sentence)
        self.completeChanged.emit()
