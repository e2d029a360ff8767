"""What every step page shares: the model, the browser opener and a tidy vertical layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QVBoxLayout, QWidget, QWizard, QWizardPage

from app.ui.pages import PAGES

if TYPE_CHECKING:
    from app.ui.workers import Task


def default_port_checker(ports: Sequence[int]) -> int | None:
    from app.xero.loopback import find_free_port

    return find_free_port(ports)


@dataclass
class WizardContext:
    """Shared by all pages of one wizard."""

    model: Any  # app.model.ConnectionModel (duck-typed so pages build before the core is importable)
    opener: Callable[[str], None]
    port_checker: Callable[[Sequence[int]], int | None] = default_port_checker
    autoload: bool = True  # False for screenshots: pages start no background call on their own
    outcome: Any = None  # the AuthorizationOutcome of this run's step 6, read by step 7
    already_authorised: bool = False  # a saved token set existed when the wizard opened
    secret_missing: bool = False  # a client ID is set but its secret is not in the keyring (step 4 says so)
    keyring_note: str = ""  # then: where the secret went, when another keyring is in use now
    tasks: list[Task] = field(default_factory=list)
    open_invoices: Callable[[], None] | None = None  # the "Draft invoices" window, where the host has one


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


def set_step_titles(page: QWizardPage, step: int) -> None:
    """"Step N - <title>" and the subtitle from app.ui.pages.PAGES."""
    info = PAGES[step]
    page.setTitle(f"Step {step} - {info.title}")
    page.setSubTitle(info.subtitle)


class PageShell(QWizardPage):
    """Holds a step's place in the wizard (id, title, subtitle) until the wizard first needs its page.

    Nothing is built or imported for it; SetupWizard swaps in the real StepPage before showing the step.
    """

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step
        set_step_titles(self, step)


class StepPage(QWizardPage):
    """A page titled "Step N - ..." whose body is a vertical stack of widgets."""

    def __init__(self, ctx: WizardContext, step: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.step = step
        set_step_titles(self, step)
        self.body = QVBoxLayout(self)
        self.body.setSpacing(10)

    @property
    def model(self) -> Any:
        return self.ctx.model

    def add(self, *widgets: QWidget) -> None:
        for widget in widgets:
            self.body.addWidget(widget)

    def run(self, fn: Callable[[], Any], on_result: Callable[[Any], None],
            on_error: Callable[[str], None], name: str) -> Task:
        from app.ui.workers import run_task  # with Qt's enums: loaded when a page first calls out

        task = run_task(fn, on_result, on_error, name=name)
        self.ctx.tasks = [t for t in self.ctx.tasks if t.running]
        self.ctx.tasks.append(task)
        return task

    def shutdown(self) -> None:
        """The wizard is closing: stop waiting on anything this page started."""
