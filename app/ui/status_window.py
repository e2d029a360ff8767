"""A small window with the tray's status and actions.

It is the whole program's face where the desktop has no system tray (some GNOME setups, offscreen),
and it opens from a click on the tray icon where there is one. It owns no logic: its buttons trigger
the controller's QActions and it redraws when the controller says something changed. It knows the
controller (app.ui.tray) only as the `StatusSource` it shows, so neither module imports the other's.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QFont, QIcon, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.ui.tray_icons import ICONS, TrayState, state_icon
from app.ui.widgets import WrapLabel

ICON_SIZE = 40


class StatusSource(Protocol):
    """What the window shows and triggers: the tray controller's state, sentences and actions."""

    state: TrayState
    last_message: str
    last_details: list[str]
    action_check: QAction
    action_wizard: QAction
    action_invoices: QAction | None
    action_disconnect: QAction
    action_quit: QAction
    action_about: QAction

    @property
    def changed(self) -> SignalInstance: ...

    @property
    def busy(self) -> bool: ...

    def status_line(self) -> str: ...

    def checked_text(self) -> str: ...

    def next_check_text(self) -> str: ...

    def tooltip(self) -> str: ...

    def window_closed(self) -> None: ...


def action_button(action: QAction) -> QPushButton:
    """A push button that is a view of an action: same text, same enabled state, same slot."""
    button = QPushButton(action.text())

    def sync() -> None:
        button.setText(action.text())
        button.setEnabled(action.isEnabled())
        button.setVisible(action.isVisible())

    action.changed.connect(sync)
    button.clicked.connect(action.trigger)
    sync()
    return button


class StatusWindow(QWidget):
    def __init__(self, controller: StatusSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(ICONS / "xero-connect.svg")))
        self.resize(420, 220)

        self.icon_label = QLabel()
        self.icon_label.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.title_label = QLabel(APP_NAME)
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setBold(True)
        self.title_label.setFont(title_font)

        self.state_label = QLabel()
        self.state_label.setAccessibleName("Connection state")
        state_font = QFont(self.state_label.font())
        state_font.setBold(True)
        self.state_label.setFont(state_font)

        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title_label)
        heading.addWidget(self.state_label)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        # As tall as their text: a top-level window does not grow for wrapped labels on its own.
        self.result_label = WrapLabel()
        self.result_label.setAccessibleName("Last check result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.details_label = WrapLabel()
        self.details_label.setAccessibleName("Check details")
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)
        muted = self.details_label.palette()
        muted.setColor(QPalette.ColorRole.WindowText, muted.color(QPalette.ColorRole.PlaceholderText))
        self.details_label.setPalette(muted)  # the theme's muted text colour, light or dark

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(8)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.hide()

        c = controller
        self.check_button = action_button(c.action_check)
        self.wizard_button = action_button(c.action_wizard)
        self.invoices_button = action_button(c.action_invoices) if c.action_invoices is not None else None
        self.disconnect_button = action_button(c.action_disconnect)
        self.quit_button = action_button(c.action_quit)
        self.about_button = action_button(c.action_about)

        # Everyday actions first, the wizard at their end; About, then Disconnect apart beside Quit.
        first = QHBoxLayout()
        first.addWidget(self.check_button)
        if self.invoices_button is not None:
            first.addWidget(self.invoices_button)
        first.addStretch(1)
        first.addWidget(self.wizard_button)
        second = QHBoxLayout()
        second.addWidget(self.about_button)
        second.addStretch(1)
        second.addWidget(self.disconnect_button)
        second.addWidget(self.quit_button)

        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # never smaller than its text
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.result_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.busy_bar)
        layout.addStretch(1)
        layout.addLayout(first)
        layout.addLayout(second)

        controller.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        self.icon_label.setPixmap(state_icon(c.state).pixmap(ICON_SIZE - 8, ICON_SIZE - 8))
        self.icon_label.setToolTip(
            {
                TrayState.CONNECTED: "Connected",
                TrayState.ATTENTION: "Needs attention",
                TrayState.UNSET: "Not set up",
            }[c.state]
        )
        # The menu's one line has to carry the failure; here the full sentence sits right below.
        heading = "Needs attention" if c.state == TrayState.ATTENTION and not c.busy else c.status_line()
        self.state_label.setText(heading)
        # Enter does what the state calls for: check a connection, or fix it in the wizard.
        self.check_button.setDefault(c.state == TrayState.CONNECTED)
        self.wizard_button.setDefault(c.state != TrayState.CONNECTED)
        self.result_label.setText(c.last_message)
        details = [*c.last_details]
        when = "; ".join(text for text in (c.checked_text(), c.next_check_text()) if text)
        if when:
            details.insert(0, when[:1].upper() + when[1:] + ".")
        self.details_label.setText("\n".join(details))
        self.details_label.setVisible(bool(details))
        self.busy_bar.setVisible(c.busy)
        self.setToolTip(c.tooltip())

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
        self.controller.window_closed()
