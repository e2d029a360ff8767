"""The setup wizard: eight QWizard pages, opened on the step that makes sense for what is already set.

Every step is registered with setPage from the start, so ids, titles, nextId and the buttons behave as
with eight built pages; but only the page the wizard opens on is built then. The others are PageShells
until the wizard is about to show them (validateCurrentPage before Next, or a restart): then their module
is imported and the real page takes the shell's place. A page never visited is never built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QWizard

from app.ui import steps
from app.ui.pages import PAGES
from app.ui.pages.base import PageShell, StepPage, WizardContext, default_port_checker
from app.ui.widgets import icon

WINDOW_SIZE = (760, 560)


def open_in_browser(url: str) -> None:
    from PySide6.QtCore import QUrl  # on first use: PySide builds each type when first touched
    from PySide6.QtGui import QDesktopServices

    QDesktopServices.openUrl(QUrl(url))


class SetupWizard(QWizard):
    def __init__(
        self,
        model: Any,
        opener: Callable[[str], None] | None = None,
        *,
        port_checker: Callable[[Sequence[int]], int | None] | None = None,
        autoload: bool = True,
        start_id: int | None = None,
        open_invoices: Callable[[], None] | None = None,
        setup_state: steps.SetupState | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        # Hosts read the state in a worker and pass it in (it touches the keyring, which can block on an
        # unlock prompt); reading it here is for tests and tools that build a wizard directly.
        state = setup_state
        if state is None and start_id is None:
            state = steps.read_setup_state(model)
        self.ctx = WizardContext(
            model=model,
            opener=opener or open_in_browser,
            port_checker=port_checker or default_port_checker,
            autoload=autoload,
            already_authorised=bool(state and state.has_tokens and state.tokens_usable),
            secret_missing=bool(state and state.has_client_id and not state.has_secret),
            keyring_note=state.keyring_note if state else "",
            open_invoices=open_invoices,
        )
        profile = getattr(model, "profile", model.settings.profile)
        self.setWindowTitle("Xero Connect setup" + (" (sandbox)" if profile == "sandbox" else ""))
        self.setWindowIcon(icon("xero-connect"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, icon("xero-connect").pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, False)
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(680, 520)
        self.pages: dict[int, StepPage] = {}  # the pages built so far, by step
        for step in steps.ALL_STEPS:
            self.setPage(step, PageShell(step))
        self.setButtonText(QWizard.WizardButton.FinishButton, "Finish")
        if start_id is not None:
            first = start_id
        else:
            assert state is not None  # read above whenever no start id was given
            first = steps.start_page_for_state(state)
        self.setStartId(first)  # builds the first page
        # Opened part-way (an existing setup): Back has no history, so offer the way to step 1.
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Start over")
        self.button(QWizard.WizardButton.CustomButton1).setToolTip("Go back to step 1 of the setup")
        self._offer_start_over(first != steps.NAVIGATE)
        self.customButtonClicked.connect(self._custom_button)

    def _custom_button(self, which: int) -> None:
        if getattr(which, "value", which) == QWizard.WizardButton.CustomButton1.value:
            self.start_over()

    def _offer_start_over(self, offer: bool) -> None:
        # An explicit button layout shows every button it lists, whatever HaveCustomButton1 says.
        start_over = [QWizard.WizardButton.CustomButton1] if offer else []
        self.setOption(QWizard.WizardOption.HaveCustomButton1, offer)
        self.setButtonLayout([
            *start_over, QWizard.WizardButton.Stretch,
            QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton,
        ])
        self.button(QWizard.WizardButton.CustomButton1).setVisible(offer)

    def start_over(self) -> None:
        self._offer_start_over(False)
        self.setStartId(steps.NAVIGATE)
        self.restart()

    def page_for(self, step: int) -> StepPage:
        """The page of ``step``, built on first use."""
        page = self.pages.get(step)
        if page is None:
            page = self._build(step)
        return page

    def _build(self, step: int) -> StepPage:
        info = PAGES[step]
        page_class = getattr(importlib.import_module(f"app.ui.pages.{info.module}"), info.class_name)
        page = page_class(self.ctx)
        shell = self.page(step)
        start = self.startId()  # removePage moves the start id off a removed start page
        self.removePage(step)  # never shown, so not in the history: nothing to clean up
        self.setPage(step, page)  # registers the page's fields and follows its completeChanged
        self.pages[step] = page
        if start == step:
            super().setStartId(start)
        if shell is not None:
            shell.deleteLater()
        return page

    # The page QWizard is about to show is built first, at each way it can move to a page not yet shown:
    # a start id set from Python (__init__, start_over, go_to_step before restart) and Next/Finish.
    # Back only returns to visited, so built, pages.
    def setStartId(self, step: int) -> None:
        self.page_for(step)
        super().setStartId(step)

    def validateCurrentPage(self) -> bool:
        """Next and Finish ask this before they move on: build the following page while this one shows."""
        if not super().validateCurrentPage():
            return False
        following = self.nextId()
        if following != -1:
            self.page_for(following)
        return True

    def done(self, result: int) -> None:
        for page in self.pages.values():
            page.shutdown()
        if result == QWizard.DialogCode.Accepted:
            self.model.save()
        super().done(result)
