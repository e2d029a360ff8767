"""The About dialog: what a support call asks first (version, profile, where settings and logs are).

"Copy support summary" puts all of it, with the client ID, the fingerprint of ID and secret, and the
organisation, on the clipboard for a ticket or an e-mail; never the secret or a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.logging_setup import log_dir
from app.resources import resource_path
from app.settings import config_dir
from app.ui.widgets import Notice, NoticeKind, copy_to_clipboard
from app.ui.workers import Task, run_task

log = logging.getLogger(__name__)

LICENCE = "MIT"


def profile_text(profile: str, sandbox_url: str | None) -> str:
    if profile == "sandbox":
        return f"Local Xero sandbox at {sandbox_url}" if sandbox_url else "Local Xero sandbox"
    return "Xero (login.xero.com, api.xero.com)"


def open_folder(folder: Path) -> bool:
    """Show a folder in the desktop's file manager, creating it (private) when it does not exist yet."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("cannot create %s: %s", folder, exc.strerror)
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def open_log_folder() -> bool:
    return open_folder(log_dir())


def _selectable(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paste into a ticket
    label.setWordWrap(True)
    return label


class AboutDialog(QDialog):
    def __init__(
        self,
        profile: str,
        sandbox_url: str | None = None,
        parent: QWidget | None = None,
        *,
        open_logs: Callable[[], bool] = open_log_folder,
        support_summary: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(QIcon(str(resource_path("icons", "xero-connect.svg"))))
        self._open_logs = open_logs
        self._support_summary = support_summary  # reads the keyring (fingerprint): run in a worker
        self._copying: Task | None = None

        icon = QLabel()
        icon.setPixmap(QIcon(str(resource_path("icons", "xero-connect.svg"))).pixmap(64, 64))
        title = QLabel(APP_NAME)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.version_label = _selectable(f"Version {__version__}")
        blurb = QLabel("Connects a CRM to Xero and drafts sales invoices from its quotes and orders.")
        blurb.setWordWrap(True)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(self.version_label)
        heading.addWidget(blurb)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        self.profile_label = _selectable(profile_text(profile, sandbox_url))
        self.licence_label = _selectable(f"{LICENCE} licence")
        self.config_label = _selectable(str(config_dir()))
        self.log_label = _selectable(str(log_dir()))
        form = QFormLayout()
        form.addRow("Profile:", self.profile_label)
        form.addRow("Licence:", self.licence_label)
        form.addRow("Settings folder:", self.config_label)
        form.addRow("Log folder:", self.log_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_logs_button = QPushButton("Open log folder")
        buttons.addButton(self.open_logs_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_logs_button.clicked.connect(self._open_logs_clicked)
        buttons.rejected.connect(self.reject)
        self.copy_summary_button = QPushButton("Copy support summary")
        self.copy_summary_button.setToolTip(
            "Version, profile, folders, client ID and fingerprint; never the secret"
        )
        buttons.addButton(self.copy_summary_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_summary_button.setVisible(support_summary is not None)  # after addButton, which shows it
        self.copy_summary_button.clicked.connect(self.copy_summary)
        self.copy_notice = Notice("Support summary")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.copy_notice)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _open_logs_clicked(self) -> None:
        self._open_logs()

    def summary_head(self) -> str:
        return "\n".join(
            [
                f"{APP_NAME} {__version__}",
                f"Profile in use: {self.profile_label.text()}",
                f"Settings folder: {self.config_label.text()}",
                f"Log folder: {self.log_label.text()}",
            ]
        )

    def copy_summary(self) -> Task | None:
        if self._support_summary is None or self._copying is not None:
            return None
        summary = self._support_summary
        self.copy_summary_button.setEnabled(False)
        task = run_task(summary, self._summary_ready, self._summary_failed, name="support summary")
        self._copying = task
        return task

    def _summary_ready(self, text: str) -> None:
        self._copying = None
        self.copy_summary_button.setEnabled(True)
        copy_to_clipboard(f"{self.summary_head()}\n{text}")
        self.copy_notice.show_message(
            NoticeKind.SUCCESS,
            "The support summary is on the clipboard; paste it into "
            "your message to support. It holds no secret.",
        )
        self.adjustSize()  # room for the notice: the dialog was sized without it

    def _summary_failed(self, sentence: str) -> None:
        self._copying = None
        self.copy_summary_button.setEnabled(True)
        self.copy_notice.show_message(NoticeKind.ERROR, sentence)
        self.adjustSize()
