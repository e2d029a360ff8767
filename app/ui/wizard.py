"""The setup wizard: eight QWizard pages, opened on the step that makes sense for what is already set."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, overload

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWizard

from app.errors import XeroConnectError
from app.setup_state import SetupState, read_setup_state
from app.setup_undo import SetupSnapshot, is_working, restore_failed
from app.ui import steps
from app.ui.pages.authorize import AuthorizePage
from app.ui.pages.base import StepPage, WizardContext, default_port_checker
from app.ui.pages.confirm import ConfirmPage
from app.ui.pages.create_app import CreateAppPage
from app.ui.pages.credentials import CredentialsPage
from app.ui.pages.generate_secret import GenerateSecretPage
from app.ui.pages.navigate import NavigatePage
from app.ui.pages.tenant import TenantPage
from app.ui.pages.verify import VerifyPage
from app.ui.widgets import icon
from app.ui.wizard_model import WizardModel
from app.ui.workers import run_task

if TYPE_CHECKING:
    from app.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

WINDOW_SIZE = (760, 560)
PAGE_CLASSES: dict[int, Callable[[WizardContext], StepPage]] = {
    steps.NAVIGATE: NavigatePage,
    steps.CREATE_APP: CreateAppPage,
    steps.GENERATE_SECRET: GenerateSecretPage,
    steps.RECORD_CREDENTIALS: CredentialsPage,
    steps.CONFIRM_VALUES: ConfirmPage,
    steps.AUTHORIZE: AuthorizePage,
    steps.PICK_TENANT: TenantPage,
    steps.VERIFY: VerifyPage,
}


def open_in_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class SetupWizard(QWizard):
    def __init__(
        self,
        model: WizardModel,
        opener: Callable[[str], None] | None = None,
        *,
        port_checker: Callable[[Sequence[int]], int | None] | None = None,
        autoload: bool = True,
        start_id: int | None = None,
        open_invoices: Callable[[], None] | None = None,
        setup_state: SetupState | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        # One started by step 1's "Try it first on the local sandbox".
        self.sandbox_server: SandboxServer | None = None
        # Hosts read the state in a worker and pass it in (it touches the keyring, which can block on an
        # unlock prompt); reading it here is for tests and tools that build a wizard directly.
        state = setup_state
        if state is None and start_id is None:
            state = read_setup_state(model)
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
        # The desktop adds the application's display name ("… – Xero Connect"): not in the title twice.
        self.setWindowTitle("Setup wizard" + (" (sandbox)" if model.settings.is_sandbox else ""))
        self.setWindowIcon(icon("xero-connect"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, icon("xero-connect").pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, False)
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(680, 520)
        self.pages: dict[int, StepPage] = {}
        for step, page_class in PAGE_CLASSES.items():
            self.pages[step] = page_class(self.ctx)
            self.setPage(step, self.pages[step])
        self.page_for(steps.NAVIGATE).sandbox_chosen.connect(self.use_model)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Finish")
        if start_id is not None:
            first = start_id
        else:
            assert state is not None  # read above whenever no start id was given
            first = steps.start_page_for_state(state)
        self.setStartId(first)
        # Opened part-way (an existing setup): Back has no history, so offer the way to step 1.
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Start over")
        self.button(QWizard.WizardButton.CustomButton1).setToolTip("Go back to step 1 of the setup")
        self._offer_start_over(first != steps.NAVIGATE)
        self.customButtonClicked.connect(self._custom_button)
        self.currentIdChanged.connect(self._page_shown)
        # Opened on a working connection: Cancel puts it back as it was (app.setup_undo).
        self.undo = SetupSnapshot.of(model) if is_working(state) else None
        self._restoring = False
        if self.undo is not None:
            undo = self.undo
            run_task(lambda: undo.read_keyring(model), name="note the working setup")

    def use_model(self, model: WizardModel, sandbox_server: SandboxServer | None = None) -> None:
        """Step 1 chose another profile (the local sandbox): the wizard starts over on its model."""
        self.model = model
        self.ctx.model = model
        self.sandbox_server = sandbox_server  # an emulator started for it lives as long as the wizard
        self.setWindowTitle("Setup wizard" + (" (sandbox)" if model.settings.is_sandbox else ""))
        self.restart()

    def _page_shown(self, step: int) -> None:
        """Tell the page, then give its main action the focus (QWizard would pick the first widget)."""
        page = self.pages.get(step)
        if page is None:
            return
        page.on_shown()
        last = page.isFinalPage() or self.nextId() == -1
        widget = page.primary() or self.button(
            QWizard.WizardButton.FinishButton if last else QWizard.WizardButton.NextButton
        )
        widget.setFocus()

    def _custom_button(self, which: int) -> None:
        if getattr(which, "value", which) == QWizard.WizardButton.CustomButton1.value:
            self.start_over()

    def _offer_start_over(self, offer: bool) -> None:
        # An explicit button layout shows every button it lists, whatever HaveCustomButton1 says.
        start_over = [QWizard.WizardButton.CustomButton1] if offer else []
        self.setOption(QWizard.WizardOption.HaveCustomButton1, offer)
        self.setButtonLayout(
            [
                *start_over,
                QWizard.WizardButton.Stretch,
                QWizard.WizardButton.BackButton,
                QWizard.WizardButton.NextButton,
                QWizard.WizardButton.FinishButton,
                QWizard.WizardButton.CancelButton,
            ]
        )
        self.button(QWizard.WizardButton.CustomButton1).setVisible(offer)

    def start_over(self) -> None:
        self._offer_start_over(False)
        self.setStartId(steps.NAVIGATE)
        self.restart()

    @overload
    def page_for(self, step: Literal[1]) -> NavigatePage: ...  # steps.NAVIGATE
    @overload
    def page_for(self, step: Literal[2]) -> CreateAppPage: ...  # steps.CREATE_APP
    @overload
    def page_for(self, step: Literal[3]) -> GenerateSecretPage: ...  # steps.GENERATE_SECRET
    @overload
    def page_for(self, step: Literal[4]) -> CredentialsPage: ...  # steps.RECORD_CREDENTIALS
    @overload
    def page_for(self, step: Literal[5]) -> ConfirmPage: ...  # steps.CONFIRM_VALUES
    @overload
    def page_for(self, step: Literal[6]) -> AuthorizePage: ...  # steps.AUTHORIZE
    @overload
    def page_for(self, step: Literal[7]) -> TenantPage: ...  # steps.PICK_TENANT
    @overload
    def page_for(self, step: Literal[8]) -> VerifyPage: ...  # steps.VERIFY
    @overload
    def page_for(self, step: int) -> StepPage: ...
    def page_for(self, step: int) -> StepPage:
        """The page of a step, typed as its own class when the step is one of app.ui.steps' names."""
        return self.pages[step]

    def changed_anything(self) -> bool:
        return self.undo is not None and (
            self.undo.settings_changed(self.model)
            or self.ctx.credentials_version > 0
            or self.ctx.outcome is not None
        )

    def reject(self) -> None:
        """Cancel, Esc or the window's close button: a working setup opened here is left as it was."""
        if self._restoring:
            return
        if self.undo is None or not self.changed_anything():
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), "", parent=self)
        if self.ctx.outcome is not None:  # a new authorisation succeeded: it may be what they wanted
            box.setText(self.undo.keep_question())
            keep = box.addButton("Keep the new authorisation", QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setText(self.undo.cancel_question())
            keep = None
        discard = box.addButton(
            "Discard changes" if keep is None else "Go back to the previous setup",
            QMessageBox.ButtonRole.DestructiveRole,
        )
        box.setDefaultButton(box.addButton("Continue setup", QMessageBox.ButtonRole.RejectRole))
        box.exec()
        if box.clickedButton() is keep and keep is not None:
            super().reject()
        elif box.clickedButton() is discard:
            self._restore_and_close()

    def abandon(self) -> None:
        """The program quits with the wizard open: close without asking, and put a working setup that
        was changed back as it was (here and now: the event loop is ending)."""
        if self.undo is not None and self.changed_anything():
            try:
                self.undo.restore(self.model)
            except (XeroConnectError, OSError) as exc:
                log.warning("the previous setup could not be put back: %s", exc)
        self.done(QWizard.DialogCode.Rejected)  # done(), not reject(): that one asks

    def _restore_and_close(self) -> None:
        undo = self.undo
        assert undo is not None  # only asked with a snapshot
        self._restoring = True
        for page in self.pages.values():
            page.shutdown()
        self.setEnabled(False)
        run_task(
            lambda: undo.restore(self.model),
            lambda _r: self._restored(None),
            self._restored,
            name="restore the working setup",
        )

    def _restored(self, problem: str | None) -> None:
        self._restoring = False
        self.setEnabled(True)
        if problem:
            QMessageBox.warning(self, self.windowTitle(), restore_failed(problem))
        super().reject()

    def done(self, result: int) -> None:
        for page in self.pages.values():
            page.shutdown()
        if result == QWizard.DialogCode.Accepted:
            self.model.save()
            for page in self.pages.values():
                page.on_finish()
        super().done(result)
