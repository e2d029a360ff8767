"""Step 1: say what is about to happen and open Xero's developer portal (My Apps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QWidget

from app.model import TRY_SANDBOX_NOTE, ConnectionModel, sandbox_trial
from app.ui.pages.base import StepPage, WizardContext
from app.ui.steps import NAVIGATE
from app.ui.widgets import CopyField, Notice, NoticeKind, action_button, button_row, field_label, instructions

if TYPE_CHECKING:
    from app.sandbox.server import SandboxServer


class NavigatePage(StepPage):
    # "Try it first on the local sandbox" made the sandbox profile's model (and maybe its server).
    sandbox_chosen = Signal(object, object)
    TITLE = "Navigate to Xero"
    SUBTITLE = "Xero Connect needs its own app registered in your Xero developer account."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, NAVIGATE)
        self.add(
            instructions(
                "<p>In the next steps you create a small <b>app</b> in Xero's developer portal. Xero "
                "then gives you a <b>client ID</b> and a <b>client secret</b>, which let Xero Connect "
                "create draft invoices in your organisation after you approve it. Nothing is sent to "
                "Xero until you "
                "approve it in step 6.</p>"
                "<p>Sign in with the Xero user who administers your organisation. Keep this window open "
                "next to the browser: each step tells you exactly what to click or type.</p>"
            )
        )
        self.portal = CopyField("", "Developer portal address")
        self.open_button = action_button(
            "Open Xero developer portal",
            "Open Xero developer portal in the browser",
            self.open_portal,
        )
        holder = button_row(self.open_button)
        form = QFormLayout()
        form.addRow(field_label("&Portal address:", self.portal.edit), self.portal)
        form_holder = QWidget()
        form_holder.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        self.profile_note = Notice("Profile")
        # Installed, the profile is real Xero; the sandbox is a visible choice, not a hidden default.
        self.try_sandbox = action_button(
            "Try it first on the local sandbox",
            "Set up Xero Connect with the local Xero sandbox instead of real Xero",
            self.use_sandbox,
        )
        self.try_sandbox_row = button_row(self.try_sandbox)
        self.opened = Notice("Browser")
        self.add(holder, form_holder, self.profile_note, self.try_sandbox_row, self.opened)
        self.body.addStretch(1)

    def initializePage(self) -> None:
        self.portal.setText(self.model.endpoints.portal_url)
        if self.model.settings.is_sandbox:
            self.profile_note.show_message(
                NoticeKind.INFO,
                f"Sandbox profile: this opens the local Xero sandbox at {self.model.settings.sandbox_url}, "
                "not real Xero. Nothing you do here touches real accounts.",
            )
            self.try_sandbox_row.hide()
        else:
            fresh = not self.model.settings.client_id
            self.try_sandbox_row.setVisible(fresh)
            if fresh:
                self.profile_note.show_message(NoticeKind.INFO, TRY_SANDBOX_NOTE)
            else:
                self.profile_note.clear()

    def primary(self) -> QWidget:
        return self.open_button

    def use_sandbox(self) -> None:
        self.try_sandbox.setEnabled(False)

        def switched(result: tuple[ConnectionModel, SandboxServer | None]) -> None:
            self.try_sandbox.setEnabled(True)
            self.sandbox_chosen.emit(*result)

        def failed(sentence: str) -> None:
            self.try_sandbox.setEnabled(True)
            self.profile_note.show_message(NoticeKind.ERROR, sentence)

        self.run(sandbox_trial, switched, failed, name="sandbox_trial")

    def open_portal(self) -> None:
        url = self.portal.text()
        self.ctx.opener(url)
        self.opened.show_message(
            NoticeKind.INFO,
            "The portal should now be open in your browser. Sign in, open My Apps, then click Next here. "
            "If no browser window appeared, copy the address above into one.",
        )
