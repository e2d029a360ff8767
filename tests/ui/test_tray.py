"""The tray controller and its status window, driven against the sandbox over loopback.

Offscreen there is no system tray, so these tests see the status-window fallback, which triggers the
very actions the tray menu holds. The last test starts a real tray (Xvfb + trayer) when the machine
has them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from app.model import ConnectionModel
from app.ui import tray as tray_module
from app.ui.tray import TrayController, confirm_disconnect, short_failure
from app.ui.workers import wait_for_workers
from tests.helpers.flows import authorize, new_model
from tests.helpers.sandbox import free_ports, set_auto_consent

REPO = Path(__file__).resolve().parents[2]
CHECK_TIMEOUT_MS = 15_000


# ----- helpers -----


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    yield
    assert wait_for_workers(20_000), "a background call was still running after the test"


@pytest.fixture
def connected(real_keyring, sandbox, sandbox_app, callback_ports) -> Iterator[ConnectionModel]:
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, sandbox_app, callback_ports)
    authorize(model)
    yield model
    model.reload()
    if model.settings.client_id:
        model.secrets().delete_all()


class Opened:
    """Records what the controller asked other windows to do."""

    def __init__(self) -> None:
        self.wizard = 0
        self.invoices = 0

    def open_wizard(self) -> None:
        self.wizard += 1

    def open_invoices(self) -> None:
        self.invoices += 1


@pytest.fixture
def opened() -> Opened:
    return Opened()


@pytest.fixture
def make_controller(qtbot, opened):
    made: list[TrayController] = []

    def make(invoices: bool = False, **kwargs) -> TrayController:
        controller = TrayController(
            lambda: ConnectionModel("sandbox"),
            opened.open_wizard,
            opened.open_invoices if invoices else None,
            **kwargs,
        )
        controller.show()
        qtbot.addWidget(controller.window)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


def menu_texts(controller: TrayController) -> list[str]:
    controller.menu.aboutToShow.emit()  # what opening the menu does
    return [a.text() for a in controller.menu.actions() if not a.isSeparator()]


def check(qtbot, controller: TrayController) -> tuple[str, str]:
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        controller.check_now()
    return tuple(blocker.args)


# ----- without a connection -----
def test_offscreen_falls_back_to_the_status_window(make_controller):
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    controller = make_controller()
    assert controller.tray is None
    window = controller.window
    assert window.isVisible() and window.windowTitle() == "Xero Connect"
    assert "Show status window" not in menu_texts(controller)  # it is the window already


def test_without_a_client_id_it_is_not_set_up(qtbot, make_controller, opened):
    controller = make_controller()
    assert controller.state == "unset"
    assert controller.window.state_label.text() == "Not set up"
    assert menu_texts(controller)[0] == "Not set up"
    assert not controller.window.check_button.isEnabled()
    assert not controller.window.disconnect_button.isEnabled()
    assert controller.start() is None and controller.state == "unset"
    # the window's button and the menu entry are one action
    qtbot.mouseClick(controller.window.wizard_button, Qt.MouseButton.LeftButton)
    controller.action_wizard.trigger()
    assert opened.wizard == 2


def test_draft_invoices_only_when_the_caller_offers_it(make_controller, opened):
    assert "Draft invoices…" not in menu_texts(make_controller())
    with_invoices = make_controller(invoices=True)
    assert "Draft invoices…" in menu_texts(with_invoices)
    assert with_invoices.window.invoices_button is not None
    with_invoices.action_invoices.setEnabled(True)
    with_invoices.window.invoices_button.click()
    assert opened.invoices == 1


def test_quit_and_closing_the_fallback_window_ask_to_quit(qtbot, make_controller):
    controller = make_controller()
    with qtbot.waitSignal(controller.quit_requested, timeout=1000):
        controller.window.quit_button.click()
    with qtbot.waitSignal(controller.quit_requested, timeout=1000):
        controller.window.close()


def test_the_menu_status_line_is_the_failure_in_short():
    sentence = (
        "Xero refused access to Demo Company (UK): it was disconnected from this app or the user "
        "lost access; reconnect it with the setup wizard."
    )
    assert short_failure(sentence) == "Xero refused access to Demo Company (UK)"
    assert short_failure("x" * 100).endswith("…") and len(short_failure("x" * 100)) == 60


def test_the_disconnect_question_has_verb_buttons_and_defaults_to_cancel(qtbot):
    seen: list[list[str]] = []

    def press_enter() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert "Disconnect?" in box.text()
        seen.append(sorted(b.text() for b in box.buttons()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, press_enter)
    assert confirm_disconnect(None, "Disconnect?") is False
    assert seen == [["Cancel", "Disconnect"]]


# ----- against the sandbox -----
def test_check_connection_against_a_connected_profile(qtbot, connected, make_controller):
    controller = make_controller()
    state, message = check(qtbot, controller)
    assert (state, message) == ("connected", "Connection attempt successful: Demo Company (UK)")
    assert controller.state == "connected" and controller.last_message == message
    window = controller.window
    assert window.result_label.text() == message
    assert window.state_label.text() == "Demo Company (UK) — connected"
    assert message in controller.tooltip() and message in window.toolTip()
    assert "Xero API calls left today" in window.details_label.text()
    texts = menu_texts(controller)
    assert texts[0] == "Demo Company (UK) — connected"
    assert texts[1].startswith("Last checked at ")
    # the status window's button runs the same check
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.check_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["connected", message]


def test_start_up_checks_a_configured_profile(qtbot, connected, make_controller):
    controller = make_controller()
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        controller.start()
    assert blocker.args[0] == "connected"


def test_the_keep_alive_renews_the_authorisation_quietly_and_speaks_up_on_a_change(
    qtbot, sandbox, connected, make_controller, monkeypatch
):
    controller = make_controller()
    told: list[str] = []
    monkeypatch.setattr(controller, "_notify", lambda message, ok: told.append(message))
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        controller.start()  # the start-up check also starts the keep-alive timer
    assert blocker.args[0] == "connected" and told == []  # at start a success is no news
    assert controller.keep_alive.isActive()
    assert controller.keep_alive.interval() == tray_module.KEEP_ALIVE_MS == 12 * 3600 * 1000
    # Qt keeps a timer this long to whole seconds (due up to 0.5 s late); the check may have ended 5 s ago.
    dues = {time.strftime("%H:%M", time.localtime(time.time() + 12 * 3600 + off)) for off in (-5, 0, 2)}
    assert any(f"; next automatic check at {due}." in controller.window.details_label.text() for due in dues)
    before = connected.secrets().token_set().refresh_token
    sandbox.post("clock", {"advance_seconds": 1900})  # the access token has expired in between
    controller.keep_alive.timeout.connect(controller.keep_alive.stop)  # this once: fire a single time
    controller.keep_alive.start(1)  # now rather than in 12 hours
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        pass
    assert blocker.args[0] == "connected"
    assert connected.secrets().token_set().refresh_token != before  # renewed: 60 days from now
    assert told == []  # nothing changed, nothing said
    sandbox.post("disconnect", {"tenant_id": connected.settings.tenant_id})
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
        controller.check_quietly()
    assert blocker.args[0] == "attention" == controller.state
    assert told == [controller.last_message]  # a change: the user hears of it


def test_a_failed_check_is_retried_after_5_15_and_60_minutes_then_twice_a_day(
    qtbot, sandbox, connected, make_controller, monkeypatch
):
    controller = make_controller()
    told: list[str] = []
    monkeypatch.setattr(controller, "_notify", lambda message, ok: told.append(message))
    sandbox.post("disconnect", {"tenant_id": connected.settings.tenant_id})
    with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS):
        controller.start()
    assert controller.state == "attention" and len(told) == 1  # at start a problem is news
    intervals = [controller.keep_alive.interval()]
    for _ in range(3):  # what the timer would run, without waiting for it
        with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS):
            controller.check_quietly()
        intervals.append(controller.keep_alive.interval())
    minute = 60 * 1000
    assert intervals == [5 * minute, 15 * minute, 60 * minute, tray_module.KEEP_ALIVE_MS]
    assert controller.keep_alive.isActive() and len(told) == 1  # the same problem is not told again


def test_the_about_dialogs_support_summary_has_the_fingerprint_and_never_the_secret(
    qtbot, sandbox_app, connected, make_controller
):
    from PySide6.QtGui import QGuiApplication

    controller = make_controller()
    controller.show_about()
    about = controller._about
    qtbot.addWidget(about)
    about.copy_summary_button.click()
    qtbot.waitUntil(lambda: about.copy_notice.kind == "success", timeout=CHECK_TIMEOUT_MS)
    copied = QGuiApplication.clipboard().text()
    assert f"Client ID + secret fingerprint: {connected.fingerprint()}" in copied
    assert sandbox_app.client_id in copied and "Organisation: Demo Company (UK)" in copied
    assert sandbox_app.client_secret not in copied
    assert connected.secrets().token_set().refresh_token not in copied
    about.close()


def test_start_up_without_an_authorisation_needs_attention(
    qtbot, real_keyring, sandbox, sandbox_app, callback_ports, make_controller
):
    model = new_model(sandbox, sandbox_app, callback_ports)  # credentials saved, never authorised
    try:
        controller = make_controller()
        with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
            controller.start()
        assert blocker.args[0] == "attention"
        assert "not authorised yet" in controller.last_message
        assert controller.window.wizard_button.isDefault()
    finally:
        model.secrets().delete_all()


def test_a_disconnected_organisation_needs_attention_with_the_cores_sentence(
    qtbot, sandbox, connected, make_controller
):
    sandbox.post("disconnect", {"tenant_id": connected.settings.tenant_id})
    controller = make_controller()
    state, message = check(qtbot, controller)
    assert state == "attention" == controller.state
    with pytest.raises(Exception) as core:  # the very sentence the core raises, shown as is
        ConnectionModel("sandbox").check_connection()
    assert message == str(core.value)
    assert message.startswith("Xero refused access to Demo Company (UK)")
    assert controller.window.result_label.text() == message
    assert controller.window.state_label.text() == "Needs attention"
    assert menu_texts(controller)[0] == "Xero refused access to Demo Company (UK)"
    assert message in controller.tooltip()


def test_a_revoked_authorisation_needs_attention(qtbot, sandbox, connected, make_controller):
    sandbox.post("revoke", {"refresh_token": connected.secrets().token_set().refresh_token})
    sandbox.post("clock", {"advance_seconds": 1900})  # the next call must renew, and cannot
    controller = make_controller()
    state, message = check(qtbot, controller)
    assert state == "attention"
    assert "authorise Xero Connect again" in message


def test_disconnect_declined_changes_nothing(qtbot, monkeypatch, connected, make_controller):
    questions: list[str] = []

    def decline(_parent: QWidget | None, question: str) -> bool:
        questions.append(question)
        return False

    monkeypatch.setattr(tray_module, "confirm_disconnect", decline)
    controller = make_controller()
    check(qtbot, controller)
    assert controller.disconnect() is None
    assert questions and questions[0].startswith("Disconnect Xero Connect from Demo Company (UK)?")
    assert controller.state == "connected"
    assert ConnectionModel("sandbox").settings.client_id == connected.settings.client_id
    assert connected.secrets().token_set() is not None


def test_disconnect_accepted_leaves_it_not_set_up(qtbot, monkeypatch, connected, make_controller):
    monkeypatch.setattr(tray_module, "confirm_disconnect", lambda parent, q: True)
    controller = make_controller()
    check(qtbot, controller)
    qtbot.mouseClick(controller.window.disconnect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not controller.busy and controller.state == "unset", timeout=CHECK_TIMEOUT_MS)
    assert "Revoked the authorisation in Xero." in controller.last_message
    assert ConnectionModel("sandbox").settings.client_id == ""
    assert controller.window.state_label.text() == "Not set up"
    assert not controller.action_check.isEnabled()


def test_a_slow_check_leaves_the_window_responsive(qtbot, sandbox, connected, make_controller):
    controller = make_controller()
    sandbox.post("faults", {"kind": "delay", "delay_seconds": 2, "count": 1})
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    started = time.monotonic()
    try:
        with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
            task = controller.check_now()
            assert controller.busy and controller.window.busy_bar.isVisibleTo(controller.window)
            assert not controller.window.check_button.isEnabled()
            assert menu_texts(controller)[0] == "Checking the connection…"
            assert controller.check_now() is task  # a second click does not start a second check
    finally:
        timer.stop()
    assert time.monotonic() - started >= 1.9
    assert blocker.args[0] == "connected"
    assert len(ticks) >= 20  # ~40 expected in 2 s; a blocked GUI thread would give ~0
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 1.0
    assert not controller.window.busy_bar.isVisibleTo(controller.window)


# ----- the entry point -----
def _run_gui_briefly(monkeypatch, sandbox_url: str, inspect, ready=lambda: True) -> tuple[int, dict]:
    """run_gui with its real event loop; once `ready()` (or after 10 s) `inspect` runs inside the loop,
    then the app quits."""
    import signal

    from app.ui import main

    monkeypatch.setattr(signal, "signal", lambda *a: None)  # leave pytest's SIGINT handler alone
    quit_on_last = QApplication.quitOnLastWindowClosed()
    seen: dict = {}

    deadline = time.monotonic() + 10

    def run_inside() -> None:
        if not ready() and time.monotonic() < deadline:
            QTimer.singleShot(20, run_inside)  # windows that open after a background read
            return
        try:
            inspect(seen)
        finally:
            QApplication.quit()

    QTimer.singleShot(0, run_inside)
    try:
        code = main.run_gui("sandbox", sandbox_url, wizard_only=False)
    finally:
        QApplication.setQuitOnLastWindowClosed(quit_on_last)
    return code, seen


def test_run_gui_opens_the_wizard_when_nothing_is_set_up(qapp, monkeypatch, sandbox):
    from app.ui.status_window import StatusWindow

    def inspect(seen: dict) -> None:
        tops = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        seen["windows"] = sorted(type(w).__name__ for w in tops)
        seen["quit_on_last"] = QApplication.quitOnLastWindowClosed()
        for w in tops:
            if isinstance(w, StatusWindow):
                seen["state"] = w.state_label.text()

    def wizard_shown() -> bool:
        tops = QApplication.topLevelWidgets()
        return any(type(w).__name__ == "SetupWizard" and w.isVisible() for w in tops)

    code, seen = _run_gui_briefly(monkeypatch, sandbox.base_url, inspect, ready=wizard_shown)
    assert code == 0
    assert "SetupWizard" in seen["windows"] and "StatusWindow" in seen["windows"]
    assert seen["state"] == "Not set up" and seen["quit_on_last"] is False
    assert ConnectionModel("sandbox").settings.sandbox_url == sandbox.base_url


def test_run_gui_starts_and_stops_an_embedded_sandbox(qapp, monkeypatch):
    from app.embedded_sandbox import sandbox_is_running

    url = f"http://127.0.0.1:{free_ports(1)[0]}"

    def inspect(seen: dict) -> None:
        seen["running"] = sandbox_is_running(url)

    code, seen = _run_gui_briefly(monkeypatch, url, inspect)
    assert code == 0 and seen["running"] is True
    assert not sandbox_is_running(url)


# ----- a real system tray -----
REAL_TRAY_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon
    from PySide6.QtCore import QTimer
    app = QApplication([])
    from app.model import ConnectionModel
    from app.ui.tray import TrayController
    deadline = [40]
    def wait_for_tray():
        if QSystemTrayIcon.isSystemTrayAvailable() or deadline[0] == 0:
            go()
        else:
            deadline[0] -= 1
            QTimer.singleShot(100, wait_for_tray)
    def go():
        print("available", QSystemTrayIcon.isSystemTrayAvailable())
        c = TrayController(lambda: ConnectionModel("sandbox"), lambda: None)
        c.show()
        def report():
            print("tray", c.tray is not None, c.tray is not None and c.tray.isVisible())
            print("geometry", c.tray.geometry().isValid() if c.tray else False)
            print("state", c.state)
            app.quit()
        QTimer.singleShot(1500, report)
    wait_for_tray()
    sys.exit(app.exec())
    """
)


@pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("trayer")),
    reason="a real tray needs Xvfb and trayer (see ENVIRONMENT.md)",
)
def test_a_real_tray_shows_the_icon(config_dir):
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    trayer = None
    try:
        with os.fdopen(read_fd) as ready:  # Xvfb writes its display number once it accepts clients
            number = ready.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        env = {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
        trayer = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [sys.executable, "-c", REAL_TRAY_SCRIPT],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        for proc in (trayer, xvfb):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
    if out.returncode and "platform plugin" in out.stderr:
        pytest.skip("the xcb platform plugin cannot start here: " + out.stderr.strip()[-300:])
    assert "available True" in out.stdout, out.stdout + out.stderr
    assert "tray True True" in out.stdout
    assert "geometry True" in out.stdout
    assert "state unset" in out.stdout


def test_closing_the_wizard_reloads_the_tray_and_checks(qtbot, connected):
    from app.ui.main import _WizardOpener

    opener = _WizardOpener("sandbox")
    controller = TrayController(lambda: ConnectionModel("sandbox"), opener)
    opener.controller = controller
    try:
        controller.action_wizard.trigger()  # the wizard opens once the keyring was read off the GUI thread
        qtbot.waitUntil(lambda: opener.wizard is not None, timeout=CHECK_TIMEOUT_MS)
        wizard = opener.wizard
        assert wizard is not None and wizard.isVisible()
        assert wizard.model is not controller.model and wizard.model.profile == "sandbox"
        controller.action_wizard.trigger()  # a second click raises the same wizard
        assert opener.wizard is wizard
        with qtbot.waitSignal(controller.check_finished, timeout=CHECK_TIMEOUT_MS) as blocker:
            wizard.reject()
        assert blocker.args[0] == "connected" and opener.wizard is None
    finally:
        opener.close()
        controller.shutdown()


def test_the_status_windows_text_is_whole_while_the_progress_bar_shows(qtbot, make_controller, monkeypatch):
    from PySide6.QtWidgets import QLabel

    controller = make_controller()
    window = controller.window
    window.show()
    qtbot.waitExposed(window)
    sentence = (
        "Xero could not be reached at the Xero sandbox at http://127.0.0.1:8765 (connection "
        "refused); check that the sandbox is running, then click Check connection again."
    )
    monkeypatch.setattr(type(controller), "busy", property(lambda self: True))
    controller._set("attention", sentence, ["Xero API calls left today: 4,990", "Authorisation valid"])
    qtbot.waitUntil(window.busy_bar.isVisible)
    probe = QLabel(sentence)
    probe.setFont(window.result_label.font())
    probe.setWordWrap(True)
    label = window.result_label
    qtbot.waitUntil(lambda: label.height() >= probe.heightForWidth(label.width()), timeout=2_000)

    def top(widget) -> int:
        return widget.mapTo(window, widget.rect().topLeft()).y()

    assert top(label) + label.height() <= top(window.busy_bar)  # nothing overlaps, nothing is cut
    assert top(window.check_button) == top(window.wizard_button)
    assert top(window.disconnect_button) > top(window.check_button)  # Disconnect apart


def test_a_stopped_local_sandbox_is_named_without_network_advice_or_backticks(
    qtbot, connected, make_controller, monkeypatch
):
    connected.settings.sandbox_url = f"http://127.0.0.1:{free_ports(1)[0]}"  # nothing listens there
    connected.save()
    controller = make_controller()
    told: list[str] = []
    monkeypatch.setattr(controller, "_notify", lambda message, ok: told.append(message))
    state, message = check(qtbot, controller)
    assert state == "attention" and told == [message]
    assert "not running" in message and "network" not in message and "`" not in message
