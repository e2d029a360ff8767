"""Step 3: where Xero hides "Generate a secret", and why the browser tab must stay open."""

from __future__ import annotations

from app.ui.pages.base import StepPage, WizardContext
from app.ui.steps import GENERATE_SECRET
from app.ui.widgets import Notice, NoticeKind, instructions


class GenerateSecretPage(StepPage):
    TITLE = "Generate client secret"
    SUBTITLE = "Xero shows the app's configuration page after you create it."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, GENERATE_SECRET)
        self.add(
            instructions(
                "<ol style='margin-left:-20px'>"
                "<li>In the app you just created, open the <b>Configuration</b> tab (left-hand menu).</li>"
                "<li>Under <b>Client secrets</b>, click <b>Generate a secret</b>.</li>"
                "<li>Leave the page exactly as it is and click Next here.</li>"
                "</ol>"
            )
        )
        # Added before they are shown: a Notice shown without a parent would open as a window of its own
        # (the page may be built while the wizard is on screen).
        once = Notice("Warning")
        never = Notice("Where the secret goes")
        self.add(once, never)
        once.show_message(
            NoticeKind.WARNING,
            "Xero shows the secret only once. Keep the browser tab open until you have pasted it in the "
            "next step. If the tab was closed, generate a new secret: the old one then stops working.",
        )
        never.show_message(
            NoticeKind.INFO,
            "Do not save the secret in a document or e-mail it. Xero Connect keeps it in this computer's "
            "system keyring, and support never needs it.",
        )
        self.body.addStretch(1)
