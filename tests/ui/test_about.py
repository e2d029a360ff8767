"""The About dialog names the version, the licence, the profile in use and the folders support asks for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import __version__
from app.ui.about import AboutDialog


@pytest.fixture(autouse=True)
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "logs"
    monkeypatch.setenv("XERO_CONNECT_LOG_DIR", str(path))
    return path


def test_shows_version_licence_and_the_sandbox_profile(qtbot, config_dir, log_folder) -> None:
    dialog = AboutDialog("sandbox", "http://127.0.0.1:8765")
    qtbot.addWidget(dialog)
    dialog.show()
    assert __version__ in dialog.version_label.text()
    assert dialog.licence_label.text() == "MIT licence"
    assert dialog.profile_label.text() == "Local Xero sandbox at http://127.0.0.1:8765"
    assert dialog.config_label.text() == str(config_dir)
    assert dialog.log_label.text() == str(log_folder)


def test_real_xero_profile(qtbot) -> None:
    dialog = AboutDialog("xero", None)
    qtbot.addWidget(dialog)
    assert dialog.profile_label.text().startswith("Xero (")


def test_open_log_folder_button(qtbot) -> None:
    opened: list[bool] = []

    def open_logs() -> bool:
        opened.append(True)
        return True

    dialog = AboutDialog("sandbox", "http://127.0.0.1:8765", open_logs=open_logs)
    qtbot.addWidget(dialog)
    dialog.open_logs_button.click()
    assert opened == [True]


def clipboard() -> str:
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.clipboard().text()


def test_copy_support_summary_puts_the_header_and_the_models_lines_on_the_clipboard(qtbot, config_dir):
    summary = "Client ID: 0123456789ABCDEF0123456789ABCDEF\nClient ID + secret fingerprint: 7f3a-19c2"
    dialog = AboutDialog("sandbox", "http://127.0.0.1:8765", support_summary=lambda: summary)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.copy_summary_button.isVisible()
    dialog.copy_summary_button.click()
    qtbot.waitUntil(lambda: dialog.copy_notice.kind == "success", timeout=5_000)
    copied = clipboard()
    assert copied.startswith(f"Xero Connect {__version__}\nProfile in use: Local Xero sandbox at ")
    assert f"Settings folder: {config_dir}" in copied and copied.endswith(summary)


def test_a_summary_that_cannot_be_made_says_why(qtbot):
    from app.errors import KeyringUnavailable

    def locked() -> str:
        raise KeyringUnavailable("The system keyring is locked; unlock it and try again.")

    dialog = AboutDialog("xero", None, support_summary=locked)
    qtbot.addWidget(dialog)
    dialog.copy_summary_button.click()
    qtbot.waitUntil(lambda: dialog.copy_notice.kind == "error", timeout=5_000)
    assert dialog.copy_notice.text() == "The system keyring is locked; unlock it and try again."
    assert dialog.copy_summary_button.isEnabled()


def test_no_summary_to_copy_before_setup(qtbot):
    dialog = AboutDialog("sandbox", None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.copy_summary_button.isVisible()


def test_reachable_from_the_tray_menu_and_the_status_window(qtbot, monkeypatch, tmp_path) -> None:
    from app.model import ConnectionModel
    from app.ui.tray import TrayController

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # "Start at login" reads from here
    controller = TrayController(lambda: ConnectionModel("sandbox"), lambda: None, use_tray=False)
    controller.menu.aboutToShow.emit()
    texts = [a.text() for a in controller.menu.actions() if not a.isSeparator()]
    assert {"Start at login", "Open log folder", "About Xero Connect"} <= set(texts)
    assert controller.action_autostart.isCheckable() and not controller.action_autostart.isChecked()

    controller.show_window()
    qtbot.addWidget(controller.window)
    controller.window.about_button.click()
    about = controller._about
    assert about is not None and about.isVisible()
    assert "Local Xero sandbox at" in about.profile_label.text()
    about.close()
    controller.shutdown()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_start_at_login_toggles_the_autostart_entry(qtbot, monkeypatch, tmp_path) -> None:
    from app import autostart
    from app.model import ConnectionModel
    from app.ui.tray import TrayController

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    controller = TrayController(lambda: ConnectionModel("sandbox"), lambda: None, use_tray=False)
    controller.action_autostart.trigger()  # as a click: checks it and writes the entry
    assert controller.action_autostart.isChecked() and autostart.is_enabled()
    controller.action_autostart.trigger()
    assert not controller.action_autostart.isChecked() and not autostart.is_enabled()
    controller.shutdown()


def test_a_failed_calls_correlation_id_is_logged_and_in_the_support_summary(
    qtbot, real_keyring, connected, sandbox, caplog, shot
):
    import logging

    import requests

    from app.xero.errors import XeroUnavailable
    from app.xero.http import RetryPolicy

    waits: list[float] = []
    connected.retry_policy = RetryPolicy(sleep=waits.append)  # the backoff recorded, never waited
    requests.post(
        f"{sandbox.base_url}/sandbox/faults", json={"kind": "503", "count": 10}, timeout=5
    ).raise_for_status()
    with caplog.at_level(logging.INFO, logger="app.xero.client"), pytest.raises(XeroUnavailable):
        connected.check_connection()
    logged = [r.getMessage() for r in caplog.records if "Xero-Correlation-Id" in r.getMessage()]
    assert logged and "GET /Organisation answered 503" in logged[-1]
    correlation = logged[-1].rsplit(" ", 1)[1]
    assert len(correlation) == 36  # the sandbox's id, as Xero sends one
    requests.post(f"{sandbox.base_url}/sandbox/faults", json={"kind": "503", "count": 0}, timeout=5)

    from app.model import ConnectionModel

    model = ConnectionModel("sandbox")  # another process, say the tray, reads it from the settings
    dialog = AboutDialog("sandbox", sandbox.base_url, support_summary=model.support_summary)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.copy_summary_button.click()
    qtbot.waitUntil(lambda: dialog.copy_notice.kind == "success", timeout=5_000)
    line = next(x for x in clipboard().splitlines() if x.startswith("Last failed Xero call: "))
    assert line.startswith(f"Last failed Xero call: {correlation} (GET /Organisation answered 503, ")
    shot(dialog, "about-dialog")
