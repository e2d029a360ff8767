"""Step 2: the exact values to type into Xero's "New app" form, each with a Copy button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QFormLayout, QLabel, QRadioButton, QSpinBox, QVBoxLayout, QWidget

from app.app_naming import (
    APP_TYPE_HINTS,
    APP_TYPE_LABELS,
    DESKTOP_APP,
    WEB_APP,
    app_name_problem,
    app_type_label,
    initial_app_name,
)
from app.settings import MAX_PORT, MIN_PORT
from app.ui.pages.base import StepPage, WizardContext
from app.ui.steps import CREATE_APP, GENERATE_SECRET, RECORD_CREDENTIALS
from app.ui.widgets import (
    CopyField,
    Notice,
    NoticeKind,
    action_button,
    button_row,
    copy_to_clipboard,
    field_label,
    instructions,
)
from app.xero.endpoints import redirect_uri

URI_HOW = {
    # Xero's "New app" form takes one redirect URI; more are added on the app's configuration page.
    "xero": 'use "Add another URI" for the second and third',
    # The local sandbox's form takes them all at once.
    "sandbox": "the sandbox's form takes them all, one per line",
}


def uri_instructions(profile: str, app_type: str = WEB_APP) -> str:
    how = URI_HOW.get(profile, URI_HOW["xero"])
    return (
        f"Choose <b>{app_type_label(app_type)}</b> as the integration type, as chosen below. Add every "
        "redirect URI below exactly as shown "
        f"(Xero accepts only exact matches; {how}). Xero Connect listens on the first free one."
    )


def shifted_ports(first: int, count: int) -> list[int]:
    """The listener's ports follow the first one: first, first+1, ... (kept inside the valid range)."""
    first = max(MIN_PORT, min(first, MAX_PORT - count + 1))
    return [first + i for i in range(count)]


class CreateAppPage(StepPage):
    TITLE = "Create app"
    SUBTITLE = 'In My Apps click "New app" and fill in the form with these values.'

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx, CREATE_APP)
        self.app_name = CopyField("", "App name", editable=True)
        # A choice in Xero's form, not a value to type: nothing to copy. The same choice is made here.
        self.integration = QWidget()
        self.integration.setAccessibleName("Integration type")
        choices = QVBoxLayout(self.integration)
        choices.setContentsMargins(0, 0, 0, 0)
        choices.setSpacing(2)
        self.app_types = QButtonGroup(self)
        self.type_buttons: dict[str, QRadioButton] = {}
        for app_type in (WEB_APP, DESKTOP_APP):
            button = QRadioButton(APP_TYPE_LABELS[app_type])
            button.setAccessibleDescription(APP_TYPE_HINTS[app_type])
            hint = QLabel(APP_TYPE_HINTS[app_type][:1].upper() + APP_TYPE_HINTS[app_type][1:] + ".")
            hint.setContentsMargins(24, 0, 0, 4)  # under the button's text, not its circle
            hint.setStyleSheet("color: palette(placeholder-text);")
            self.app_types.addButton(button)
            self.type_buttons[app_type] = button
            choices.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)  # clickable on its text only
            choices.addWidget(hint)
        self.type_buttons[WEB_APP].setChecked(True)
        self.company_url = CopyField("", "Company or application URL", editable=True)
        self.port = QSpinBox()
        self.port.setRange(MIN_PORT, MAX_PORT)
        self.port.setAccessibleName("First listener port")
        self.port.setToolTip("Xero sends you back to this port on this computer after you approve access.")
        self.uris_box = QWidget()
        self.uris_layout = QVBoxLayout(self.uris_box)
        self.uris_layout.setContentsMargins(0, 0, 0, 0)
        self.uris_layout.setSpacing(4)
        self.uri_fields: list[CopyField] = []
        self.ports: list[int] = []
        self.copy_all = action_button(
            "Copy all redirect URIs", "Copy all redirect URIs, one per line", self.copy_all_uris
        )
        self.uris_layout.addWidget(button_row(self.copy_all))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("App &name:", self.app_name.edit), self.app_name)
        form.addRow(QLabel("Integration type:"), self.integration)
        form.addRow(field_label("Company or application &URL:", self.company_url.edit), self.company_url)
        form.addRow(field_label("First listener &port:", self.port), self.port)
        self.uris_label = QLabel("Redirect URIs:")
        form.addRow(self.uris_label, self.uris_box)
        holder = QWidget()
        holder.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)

        self.name_notice = Notice("App name")
        self.port_notice = Notice("Port check")
        self.uris_notice = Notice("Redirect URIs changed")
        self.how_to = instructions(uri_instructions(self.model.settings.profile))
        self.add(
            self.how_to,
            holder,
            self.name_notice,
            self.uris_notice,
            self.port_notice,
            instructions(
                "Finally tick the box accepting Xero's terms and conditions and click <b>Create app</b>."
            ),
        )
        self.body.addStretch(1)
        self._filling = False
        self.port.valueChanged.connect(self.on_port_changed)
        self.app_name.edit.textChanged.connect(self.check_app_name)
        self.app_types.buttonToggled.connect(self.on_app_type_toggled)

    def initializePage(self) -> None:
        settings = self.model.settings
        self.type_buttons.get(self.ctx.chosen_app_type(), self.type_buttons[WEB_APP]).setChecked(True)
        self.how_to.setText(uri_instructions(settings.profile, self.app_type()))
        self.app_name.setText(initial_app_name(settings.app_name, settings.tenant_name))
        self.check_app_name()
        self.company_url.setText(settings.company_url)
        self.ports = list(settings.redirect_ports)
        self._filling = True
        self.port.setValue(self.ports[0])
        self._filling = False
        self.show_uris()
        self.check_ports()

    def primary(self) -> QWidget:
        return self.app_name.edit

    def app_type(self) -> str:
        return DESKTOP_APP if self.type_buttons[DESKTOP_APP].isChecked() else WEB_APP

    def on_app_type_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self.how_to.setText(uri_instructions(self.model.settings.profile, self.app_type()))

    def nextId(self) -> int:
        """A Mobile or desktop app has no secret to generate: on to the client ID."""
        return RECORD_CREDENTIALS if self.app_type() == DESKTOP_APP else GENERATE_SECRET

    def check_app_name(self, _text: str = "") -> None:
        """Xero refuses a name with "Xero" in it: say so while the admin types, before the portal does."""
        problem = app_name_problem(self.app_name.text(), self.model.settings.tenant_name)
        if problem:
            self.name_notice.show_message(NoticeKind.WARNING, problem)
        else:
            self.name_notice.clear()

    def on_port_changed(self, value: int) -> None:
        if self._filling:
            return
        self.ports = shifted_ports(value, len(self.ports))
        self.show_uris()
        self.check_ports()
        self.warn_if_uris_change()

    def warn_if_uris_change(self) -> None:
        """The app in Xero lists the old URIs (it exists once a client ID is saved): they must change too."""
        settings = self.model.settings
        if not settings.client_id or self.ports == list(settings.redirect_ports):
            self.uris_notice.clear()
            return
        self.uris_notice.show_message(
            NoticeKind.WARNING,
            "The app in Xero lists the redirect URIs of the ports saved before. Add these to it in the "
            "Xero developer portal as well, exactly as shown, or Xero refuses the sign-in in step 6: "
            + ", ".join(self.redirect_uris())
            + ".",
        )

    def copy_all_uris(self) -> None:
        copy_to_clipboard("\n".join(self.redirect_uris()))

    def redirect_uris(self) -> list[str]:
        return [redirect_uri(port) for port in self.ports]

    def show_uris(self) -> None:
        uris = self.redirect_uris()
        while len(self.uri_fields) < len(uris):
            fld = CopyField("", f"Redirect URI {len(self.uri_fields) + 1}", mono=True)
            self.uris_layout.insertWidget(len(self.uri_fields), fld)  # above "Copy all"
            self.uri_fields.append(fld)
            self.setTabOrder(fld.button, self.copy_all)  # Tab reaches "Copy all" after the last URI
        for fld, uri in zip(self.uri_fields, uris, strict=False):
            fld.setText(uri)
            fld.show()
        for fld in self.uri_fields[len(uris) :]:
            fld.hide()
        self.uris_label.setText("Redirect URIs:" if len(uris) > 1 else "Redirect URI:")

    def busy_ports(self) -> list[int]:
        return [port for port in self.ports if self.ctx.port_checker([port]) is None]

    def check_ports(self) -> None:
        busy = self.busy_ports()
        if not busy:
            self.port_notice.clear()
            return
        names = ", ".join(str(p) for p in busy)
        if len(busy) == len(self.ports):
            self.port_notice.show_message(
                NoticeKind.ERROR,
                f"All of these ports ({names}) are in use by other programs right now, so Xero could not "
                "reach Xero Connect. Choose another first port before you add the redirect URIs in Xero.",
            )
        else:
            which = "Port" if len(busy) == 1 else "Ports"
            verb = "is" if len(busy) == 1 else "are"
            self.port_notice.show_message(
                NoticeKind.WARNING,
                f"{which} {names} {verb} in use by another program right now. Xero Connect will use the "
                "next free one, but you may prefer another first port so all of them are free.",
            )

    def validatePage(self) -> bool:
        settings = self.model.settings
        name = self.app_name.text()
        if name and name != initial_app_name(settings.app_name, settings.tenant_name):
            settings.app_name = name  # the suggestion itself is not saved: it follows the organisation
        self.ctx.app_type = self.app_type()
        settings.company_url = self.company_url.text() or settings.company_url
        if list(settings.redirect_ports) != self.ports:
            if settings.client_id:
                self.ctx.changed_redirect_uris = self.redirect_uris()
            settings.redirect_ports = list(self.ports)
        self.model.save()
        return True
