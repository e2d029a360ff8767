"""What every step page shares: the model, the browser opener and a tidy vertical layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget, QWizard, QWizardPage

from app.ui.steps import ALL_STEPS
from app.ui.wizard_model import WizardModel
from app.ui.workers import Task, run_task

if TYPE_CHECKING:
    from app.authorization import AuthorizationOutcome

T = TypeVar("T")


def default_port_checker(ports: Sequence[int]) -> int | None:
    # The listener module (with http.server) loads when step 2 first checks ports, not before step 1.
    from app.xero.loopback import find_free_port

    return find_free_port(ports)


CONTENT_MAX_WIDTH = 860  # pixels: the page's column at most; the default window is narrower


@dataclass
class WizardContext:
    """Shared by all pages of one wizard."""

    model: WizardModel
    opener: Callable[[str], None]
    port_checker: Callable[[Sequence[int]], int | None] = default_port_checker
    autoload: bool = True  # False for screenshots: pages start no background call on their own
    outcome: AuthorizationOutcome | None = None  # this run's step 6, read by step 7
    already_authorised: bool = False  # a usable token set is saved for the credentials saved now
    secret_missing: bool = False  # a client ID is set but its secret is not in the keyring (step 4 says so)
    keyring_note: str = ""  # then: where the secret went, when another keyring is in use now
    tasks: list[Task] = field(default_factory=list)
    open_invoices: Callable[[], None] | None = None  # the "Draft invoices" window, where the host has one
    credentials_version: int = 0  # bumped by every save of a client ID or secret in this wizard
    changed_redirect_uris: list[str] = field(default_factory=list)  # step 2 moved the ports of an app
    secret_rejected: str = ""  # Xero's reason, when it refused the saved secret at the code exchange
    app_type: str = ""  # the integration type chosen in step 2; saved with the credentials in step 4

    def chosen_app_type(self) -> str:
        """Step 2's choice in this wizard, else the saved one ("web" or "pkce")."""
        return self.app_type or self.model.settings.app_type

    def credentials_changed(self) -> None:
        """A new client ID or secret was saved: no authorisation from before is for them."""
        self.already_authorised = False
        self.outcome = None
        self.secret_rejected = ""
        self.credentials_version += 1


def go_to_step(wizard: QWizard | None, step: int) -> None:
    """Jump back to an earlier step: through the history when it was visited, else restart there."""
    if wizard is None:
        return
    if step in wizard.visitedIds():
        for _ in range(len(wizard.visitedIds())):
            if wizard.currentId() == step:
                return
            wizard.back()
    else:
        wizard.setStartId(step)
        wizard.restart()


class StepPage(QWizardPage):
    """A page titled "Step N of 8 – <TITLE>" whose body is a vertical stack of widgets."""

    TITLE = ""
    SUBTITLE = ""

    def __init__(self, ctx: WizardContext, step: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.step = step
        self.setTitle(f"Step {step} of {len(ALL_STEPS)} – {self.TITLE}")
        self.setSubTitle(self.SUBTITLE)
        # A column of readable width: in a maximised window fields and sentences do not stretch across.
        content = QWidget()
        content.setMaximumWidth(CONTENT_MAX_WIDTH)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(content, 1)
        outer.addStretch(0)
        self.body = QVBoxLayout(content)
        self.body.setSpacing(10)

    @property
    def model(self) -> WizardModel:
        return self.ctx.model

    def add(self, *widgets: QWidget) -> None:
        for widget in widgets:
            self.body.addWidget(widget)

    def run(
        self,
        fn: Callable[[], T],
        on_result: Callable[[T], None],
        on_error: Callable[[str], None],
        name: str,
    ) -> Task:
        task = run_task(fn, on_result, on_error, name=name)
        self.ctx.tasks = [t for t in self.ctx.tasks if t.running]
        self.ctx.tasks.append(task)
        return task

    def on_shown(self) -> None:
        """The page came on screen, forward or back (QWizard initialises a page only going forward)."""

    def on_finish(self) -> None:
        """Finish was clicked: apply what the page offers beyond the saved settings."""

    def primary(self) -> QWidget | None:
        """What has the focus when the page opens: its main action; None for the wizard's Next."""
        return None

    def shutdown(self) -> None:
        """The wizard is closing: stop waiting on anything this page started."""
