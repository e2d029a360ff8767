"""Small building blocks every wizard page uses, so all eight steps look and behave alike."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.resources import resource_path

ICONS = resource_path("icons")


class NoticeKind(StrEnum):
    """What a Notice says: its tint and its icon (icons/notice-<kind>.svg)."""

    NONE = ""  # nothing shown
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


NOTICE_COLOURS = {
    # background, border: light tints with dark text keep contrast in light and dark themes
    NoticeKind.INFO: ("#eef4fb", "#9cc1e4"),
    NoticeKind.SUCCESS: ("#e5f4e3", "#7cbf76"),
    NoticeKind.WARNING: ("#fff6d9", "#e0b84a"),
    NoticeKind.ERROR: ("#fdeceb", "#e39a93"),
}


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def copy_to_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class WrapLabel(QLabel):
    """A word-wrapped label exactly as tall as its text at its current width.

    QWizard pages do not honour height-for-width, so a plain wrapped QLabel is laid out as if it were
    narrow and leaves a gap of empty lines under it. The height is fixed to the text's, and set again
    whenever the text, its format or the width changes, or the label is shown: a new text arrives with
    no resize, and a height fixed for the old one would clip it or leave a gap.
    """

    def setText(self, text: str) -> None:
        super().setText(text)
        self.refit()

    def setTextFormat(self, text_format: Qt.TextFormat) -> None:
        super().setTextFormat(text_format)
        self.refit()

    def clear(self) -> None:
        super().clear()
        self.refit()

    def refit(self) -> None:
        if not self.isVisible():
            return  # laying out text is not free; showEvent refits once the label is on screen
        self.setMinimumHeight(0)  # QLabel's height-for-width never answers less than the minimum
        height = self.heightForWidth(self.width())
        if height > 0 and height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.refit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refit()


def selectable_text(label: QLabel, text_format: Qt.TextFormat) -> None:
    """Text the user can select and copy (sentences for support)."""
    label.setTextFormat(text_format)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)


def instructions(text: str) -> QLabel:
    """Plain-word instructions; rich text allowed for an ordered list or bold."""
    label = WrapLabel(text)
    label.setWordWrap(True)
    selectable_text(label, Qt.TextFormat.RichText if "<" in text else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    return label


def action_button(text: str, accessible_name: str, slot: Callable[[], object], tip: str = "") -> QPushButton:
    """A push button that Enter presses while it has the focus (elsewhere Enter means Next/Finish)."""
    button = QPushButton(text)
    button.setAccessibleName(accessible_name)
    if tip:
        button.setToolTip(tip)
    button.setAutoDefault(True)
    button.clicked.connect(slot)
    return button


def button_row(*widgets: QWidget, indent: int = 0) -> QWidget:
    """Buttons side by side on the left of a page, in a widget that can be shown or hidden as one."""
    row = QHBoxLayout()
    row.setContentsMargins(indent, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    holder = QWidget()
    holder.setLayout(row)
    return holder


def field_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def monospace(size_delta: int = 0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if size_delta:
        font.setPointSize(max(6, font.pointSize() + size_delta))
    return font


def busy_bar(accessible_name: str) -> QProgressBar:
    """An indeterminate bar: the window visibly keeps working while a call runs in the background."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(10)
    bar.setAccessibleName(accessible_name)
    bar.hide()
    return bar


class CopyField(QWidget):
    """A value the administrator types into Xero: a line edit plus a Copy button."""

    def __init__(
        self, text: str, accessible_name: str, *, editable: bool = False, mono: bool = False
    ) -> None:
        super().__init__()
        self.edit = QLineEdit(text)
        self.edit.setReadOnly(not editable)
        self.edit.setAccessibleName(accessible_name)
        if mono:
            self.edit.setFont(monospace())
        self.button = QPushButton("Copy")
        self.button.setAccessibleName(f"Copy {accessible_name.lower()}")
        self.button.setToolTip(f"Copy the {accessible_name.lower()} to the clipboard")
        self.button.setAutoDefault(True)  # Enter on a focused Copy copies
        self.button.clicked.connect(self.copy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def copy(self) -> None:
        copy_to_clipboard(self.text())
        self.button.setText("Copied")
        QTimer.singleShot(1500, self._reset_button)

    def _reset_button(self) -> None:
        # The page may be gone after 1.5 s (wizard closed); the widget check keeps that harmless.
        with contextlib.suppress(RuntimeError):
            self.button.setText("Copy")


class Notice(QFrame):
    """A tinted box with an icon and one sentence: how every page shows progress, success or trouble."""

    def __init__(self, accessible_name: str = "Status") -> None:
        super().__init__()
        self.kind = NoticeKind.NONE
        self.setObjectName("notice")
        self.icon = QLabel()
        # As tall as the row, drawing at its top: level with the first line of a long message.
        self.icon.setFixedWidth(18)
        self.icon.setMinimumHeight(18)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.label = WrapLabel()
        self.label.setWordWrap(True)
        selectable_text(self.label, Qt.TextFormat.PlainText)
        self.label.setAccessibleName(accessible_name)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def show_message(self, kind: NoticeKind, text: str) -> None:
        self.kind = kind
        background, border = NOTICE_COLOURS[kind]
        self.setStyleSheet(
            f"QFrame#notice {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}"
            " QFrame#notice QLabel { color: #1b1b1b; background: transparent; border: none; }"
        )
        self.icon.setPixmap(icon(f"notice-{kind}").pixmap(16, 16))
        self.label.setTextFormat(Qt.TextFormat.RichText if text.startswith("<") else Qt.TextFormat.PlainText)
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.show()

    def clear(self) -> None:
        self.kind = NoticeKind.NONE
        self.label.clear()
        self.hide()

    def text(self) -> str:
        return self.label.text()
