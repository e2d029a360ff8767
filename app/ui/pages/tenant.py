"""Step 7: choose the Xero organisation; with several, nothing is chosen until the admin picks one.

Choosing in the list and clicking Next is the whole step: Next saves the choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QWidget

from app.app_naming import connections_in_use
from app.ui.formatting import tenant_label
from app.ui.pages.base import StepPage, WizardContext, go_to_step
from app.ui.steps import AUTHORIZE, PICK_TENANT
from app.ui.widgets import Notice, NoticeKind, action_button, busy_bar, button_row, field_label, instructions

if TYPE_CHECKING:
    from app.xero.client import Connection

PLACEHOLDER = "Choose an organisation…"


class TenantPage(StepPage):
    TITLE = "Choose organisation"
    SUBTITLE = "Choose the Xero organisation Xero Connect should draft invoices in."

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, PICK_TENANT)
        self.connections: list[Connection] = []
        self.loading = False
        self.combo = QComboBox()
        self.combo.setAccessibleName("Xero organisation")
        self.combo.setMinimumContentsLength(30)
        self.combo.currentIndexChanged.connect(self.on_selected)
        self.refresh = action_button("Refresh", "Refresh the list of organisations", self.load)
        self.again = action_button(
            "Authorise again (step 6)",
            "Go back to step 6 and authorise again",
            self.go_authorize,
        )
        self.again.hide()
        self.busy = busy_bar("Loading organisations")
        self.notice = Notice("Organisation status")
        self.chosen = Notice("Chosen organisation")
        self.usage = Notice("Connections in use")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.refresh)
        holder = QWidget()
        holder.setLayout(row)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("&Organisation:", self.combo), holder)
        form_holder = QWidget()
        form_holder.setLayout(form)
        again_holder = button_row(self.again)
        self.add(
            instructions(
                "These are the organisations you allowed Xero Connect to use; those you ticked "
                "in this approval come first. Choose one and click <b>Next</b>. Invoices are "
                "only ever drafted in the organisation chosen here."
            ),
            form_holder,
            self.busy,
            self.notice,
            again_holder,
            self.chosen,
            self.usage,
        )
        self.body.addStretch(1)
        self.setTabOrder(self.combo, self.refresh)
        self.setTabOrder(self.refresh, self.again)

    def initializePage(self) -> None:
        self.show_chosen()
        if self.ctx.autoload:
            self.load()

    def primary(self) -> QWidget:
        return self.combo

    # ----- loading -----
    def load(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.busy.show()
        self.notice.clear()
        self.update_buttons()
        self.completeChanged.emit()
        self.run(self.model.tenants, self.show_tenants, self.show_problem, name="tenants")

    def new_ids(self) -> set[str]:
        outcome = self.ctx.outcome
        return set(outcome.new_tenant_ids) if outcome is not None else set()

    def show_tenants(self, connections: list[Connection]) -> None:
        self.loading = False
        self.busy.hide()
        self.connections = list(connections)
        self.combo.blockSignals(True)
        self.combo.clear()
        new_ids = self.new_ids()
        saved = self.model.settings.tenant_id
        if len(self.connections) > 1:
            self.combo.addItem(PLACEHOLDER, None)
        for connection in self.connections:
            self.combo.addItem(tenant_label(connection, new_ids), connection.tenant_id)
        index = self.combo.findData(saved) if saved else -1
        if index < 0:
            index = 0  # the only organisation, or the placeholder when there are several
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self.again.setVisible(not self.connections)
        self.usage.show_message(NoticeKind.INFO, connections_in_use(len(self.connections)))
        if not self.connections:
            self.notice.show_message(
                NoticeKind.WARNING,
                "Xero returned no organisation for this authorisation. Click Authorise again, and on "
                "Xero's approval page tick at least one organisation before clicking Allow access.",
            )
        elif len(self.connections) > 1 and self.selected() is None:
            self.notice.show_message(
                NoticeKind.INFO,
                f"{len(self.connections)} organisations are connected. To be safe nothing is chosen until "
                "you choose one.",
            )
        self.on_selected()

    def show_problem(self, sentence: str) -> None:
        self.loading = False
        self.busy.hide()
        self.notice.show_message(NoticeKind.ERROR, sentence)
        self.again.show()
        self.update_buttons()
        self.completeChanged.emit()

    # ----- choosing -----
    def selected(self) -> Connection | None:
        tenant_id = self.combo.currentData()
        return next((c for c in self.connections if c.tenant_id == tenant_id), None)

    def on_selected(self) -> None:
        if self.selected() is not None and self.notice.kind == NoticeKind.INFO:
            self.notice.clear()
        self.show_chosen()
        self.update_buttons()
        self.completeChanged.emit()

    def show_chosen(self) -> None:
        connection = self.selected()
        name = connection.tenant_name if connection is not None else ""
        if not name and not self.connections and self.loading:
            name = self.model.settings.tenant_name  # the saved choice, while the list loads
        if name:
            self.chosen.show_message(
                NoticeKind.SUCCESS, f"Chosen organisation: {name}. Click Next to check the connection."
            )
        else:
            self.chosen.clear()

    def update_buttons(self) -> None:
        self.refresh.setEnabled(not self.loading)
        self.combo.setEnabled(bool(self.connections) and not self.loading)

    def isComplete(self) -> bool:
        return not self.loading and self.selected() is not None

    def validatePage(self) -> bool:
        """Next saves the organisation chosen in the list."""
        connection = self.selected()
        if connection is None:
            return False
        if connection.tenant_id == self.model.settings.tenant_id:
            return True
        try:
            self.model.choose_tenant(connection)  # writes the settings file only; no network
        except OSError as exc:
            self.notice.show_message(NoticeKind.ERROR, f"The choice could not be saved: {exc}")
            return False
        return True

    def go_authorize(self) -> None:
        go_to_step(self.wizard(), AUTHORIZE)
