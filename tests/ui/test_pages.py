"""Page-level behaviour without network: live credential checks, swapping, trimming, busy ports,
the keyring failing on Next, the tenant picker failing closed, and the worker helper."""

from __future__ import annotations

import logging
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

from app.ui import steps
from app.ui.pages.create_app import shifted_ports
from app.ui.pages.credentials import field_problems
from app.ui.wizard import SetupWizard
from app.ui.workers import GENERIC_FAILURE, run_task
from app.xero.errors import SecretRejected
from tests.helpers.fakes import FakeModel, FakeStore, connection, fake_tokens, successful_check

pytestmark = pytest.mark.usefixtures("no_stray_workers")

CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
SECRET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN_-012345"  # 48 characters, made up


def open_wizard(qtbot, model, step: int, opened: list[str] | None = None, **kwargs) -> SetupWizard:
    wizard = SetupWizard(
        model, opener=(opened.append if opened is not None else lambda _u: None), start_id=step, **kwargs
    )
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def next_enabled(wizard) -> bool:
    return wizard.button(wizard.WizardButton.NextButton).isEnabled()


# ----- step 1 and 2 -----
def test_portal_opens_through_the_injected_opener(qtbot, fake_model):
    opened: list[str] = []
    wizard = open_wizard(qtbot, fake_model, steps.NAVIGATE, opened)
    page = wizard.page_for(steps.NAVIGATE)
    assert page.title() == "Step 1 of 8 – Navigate to Xero"
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert opened == [fake_model.settings.endpoints().portal_url]
    assert "sandbox" in page.profile_note.text()


def test_create_app_shows_redirect_uris_with_copy_buttons(qtbot, fake_model):
    fake_model.settings.redirect_ports = [50001, 50002, 50003]
    wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP, port_checker=lambda ports: ports[0])
    page = wizard.page_for(steps.CREATE_APP)
    expected = [f"http://localhost:{p}/callback" for p in (50001, 50002, 50003)]
    assert [f.text() for f in page.uri_fields] == expected
    assert page.type_buttons["web"].isChecked()
    qtbot.mouseClick(page.uri_fields[1].button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "http://localhost:50002/callback"
    page.port.setValue(50010)
    assert page.ports == [50010, 50011, 50012]
    assert not page.port_notice.isVisible()
    page.app_name.setText("  CRM bridge ")
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert fake_model.settings.redirect_ports == [50010, 50011, 50012]
    assert fake_model.settings.app_name == "CRM bridge"


def test_step_2_copies_all_uris_and_integration_type_is_a_choice(qtbot, fake_model):
    fake_model.settings.redirect_ports = [50001, 50002, 50003]
    wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP, port_checker=lambda ports: ports[0])
    page = wizard.page_for(steps.CREATE_APP)
    qtbot.mouseClick(page.copy_all, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "\n".join(
        f"http://localhost:{p}/callback" for p in (50001, 50002, 50003)
    )
    buttons = page.type_buttons
    assert [b.text() for b in buttons.values()] == ["Web app", "Mobile or desktop app"]
    assert buttons["web"].isChecked() and wizard.nextId() == steps.GENERATE_SECRET
    buttons["pkce"].setChecked(True)
    assert wizard.nextId() == steps.RECORD_CREDENTIALS  # no secret to generate


def test_changing_the_port_after_the_app_exists_warns_on_step_2_and_step_6(qtbot, fake_model):
    fake_model.settings.client_id = CLIENT_ID  # the app exists in Xero with the old URIs
    fake_model.settings.redirect_ports = [50001, 50002, 50003]
    wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP, port_checker=lambda ports: ports[0])
    page = wizard.page_for(steps.CREATE_APP)
    assert not page.uris_notice.isVisible()
    page.port.setValue(50010)
    assert page.uris_notice.isVisible() and page.uris_notice.kind == "warning"
    assert "http://localhost:50010/callback" in page.uris_notice.text()
    page.port.setValue(50001)  # back to what the app has: nothing to change
    assert not page.uris_notice.isVisible()
    page.port.setValue(50010)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    wizard.setStartId(steps.AUTHORIZE)  # step 6 as a later visit in this wizard shows it
    wizard.restart()
    step6 = wizard.page_for(steps.AUTHORIZE)
    assert step6.hint.isVisible() and "http://localhost:50010/callback" in step6.hint.text()


def test_shifted_ports_stay_in_range():
    assert shifted_ports(65535, 3) == [65533, 65534, 65535]


def test_busy_port_is_named_with_the_real_port_check(qtbot, fake_model):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            free = spare.getsockname()[1]
        fake_model.settings.redirect_ports = [busy, free]
        wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP)
        page = wizard.page_for(steps.CREATE_APP)
        assert page.port_notice.isVisible() and page.port_notice.kind == "warning"
        assert f"Port {busy} is in use by another program" in page.port_notice.text()


def test_all_ports_busy_is_an_error(qtbot, fake_model):
    wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP, port_checker=lambda ports: None)
    page = wizard.page_for(steps.CREATE_APP)
    assert page.port_notice.kind == "error"
    assert "Choose another first port" in page.port_notice.text()


# ----- step 4 -----
def test_field_problems_split_per_field():
    assert field_problems(CLIENT_ID, SECRET).ok
    wrong = field_problems("ABC", SECRET)
    assert "32 characters" in wrong.client_id and not wrong.client_secret and not wrong.ok
    short = field_problems(CLIENT_ID, "short")
    assert "48 characters" in short.client_secret and not short.client_id
    assert field_problems("", "").client_id == ""  # empty is "not done yet", not an error
    assert "swapped" in field_problems(SECRET, CLIENT_ID).swapped


def test_pasted_values_are_trimmed_and_checked_live(qtbot, fake_model):
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert not next_enabled(wizard)
    page.client_id.setText(f"  {CLIENT_ID[:10]}\u200b{CLIENT_ID[10:]}\n")
    assert page.client_id.text() == CLIENT_ID
    page.secret.setText("tooshort")
    assert page.secret_problem.isVisible() and "48 characters" in page.secret_problem.text()
    assert not next_enabled(wizard)
    page.secret.setText(f" {SECRET} ")
    assert page.secret.text() == SECRET
    assert not page.secret_problem.isVisible() and not page.id_problem.isVisible()
    assert next_enabled(wizard)


def test_swapped_values_offer_a_swap_button(qtbot, fake_model):
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    page.client_id.setText(SECRET)
    page.secret.setText(CLIENT_ID)
    assert page.swap_button.isVisible() and "swapped" in page.swap_notice.text()
    assert not next_enabled(wizard)
    qtbot.mouseClick(page.swap_button, Qt.MouseButton.LeftButton)
    assert page.client_id.text() == CLIENT_ID and page.secret.text() == SECRET
    assert not page.swap_button.isVisible()
    assert next_enabled(wizard)


def test_secret_is_masked_until_shown(qtbot, fake_model):
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert page.secret.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(page.show_secret, Qt.MouseButton.LeftButton)
    assert page.secret.echoMode() == QLineEdit.EchoMode.Normal and page.show_secret.text() == "Hide"
    qtbot.mouseClick(page.show_secret, Qt.MouseButton.LeftButton)
    assert page.secret.echoMode() == QLineEdit.EchoMode.Password


def test_keyring_error_is_shown_and_next_stays(qtbot, fake_model):
    fake_model.save_error = "No usable system keyring was found. Install one."
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    page.client_id.setText(CLIENT_ID)
    page.secret.setText(SECRET)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.save_notice.kind == "error")
    assert page.save_notice.text() == "No usable system keyring was found. Install one."
    assert wizard.currentId() == steps.RECORD_CREDENTIALS
    assert next_enabled(wizard)  # fix the keyring and try again


def test_credentials_are_saved_on_next_then_the_wizard_moves_on(qtbot, fake_model):
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    wizard.ctx.autoload = False  # step 5 would read the (fake) keyring
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    page.client_id.setText(CLIENT_ID)
    page.secret.setText(SECRET)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == steps.CONFIRM_VALUES)
    assert fake_model.saved == [(CLIENT_ID, SECRET)]


def test_stored_secret_can_be_kept(qtbot, fake_model):
    fake_model.settings.client_id = CLIENT_ID
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    wizard.ctx.autoload = False
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert page.client_id.text() == CLIENT_ID and "keep the secret" in page.secret.placeholderText()
    assert next_enabled(wizard)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == steps.CONFIRM_VALUES and fake_model.saved == []


def test_a_new_client_id_asks_for_its_secret_and_says_why_next_waits(qtbot, fake_model):
    fake_model.settings.client_id = CLIENT_ID
    wizard = open_wizard(qtbot, fake_model, steps.RECORD_CREDENTIALS)
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    other_id = "FEDCBA9876543210FEDCBA9876543210"
    page.client_id.setText(other_id)  # another app: the saved secret is not for it
    assert "keep the secret" not in page.secret.placeholderText()
    assert not next_enabled(wizard)
    assert page.secret_problem.isVisible() and "Paste the client secret" in page.secret_problem.text()
    page.client_id.setText(CLIENT_ID)  # back to the saved one: keeping its secret is fine again
    assert "keep the secret" in page.secret.placeholderText() and next_enabled(wizard)
    assert not page.secret_problem.isVisible()


def test_length_messages_do_not_assume_a_paste(qtbot, fake_model):
    typed = field_problems(CLIENT_ID[:20], "abc")
    assert "the pasted value" not in typed.client_id and "20 characters" in typed.client_id
    assert "the pasted value" not in typed.client_secret and "3 characters" in typed.client_secret


def test_a_secret_gone_from_the_keyring_is_said_and_must_be_pasted_again(qtbot):
    model = FakeModel()
    model.settings.client_id = CLIENT_ID  # the ID is in the settings, the secret nowhere to be read
    model.settings.keyring_backend = "KWallet"  # saved there; the keyring in use is the fake's own
    wizard = SetupWizard(model, opener=lambda _u: None)  # reads the setup state as a host would
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentId() == steps.RECORD_CREDENTIALS
    page = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert page.missing_notice.isVisible() and page.missing_notice.kind == "warning"
    assert page.missing_notice.text().startswith("The client secret saved for this client ID is not in")
    assert page.missing_notice.text().endswith(
        "saved in KWallet, but the keyring in use now is Test keyring; in a session that uses KWallet they "
        "are still there."
    )
    assert "keep the secret" not in page.secret.placeholderText()
    assert not next_enabled(wizard)  # nothing stored to keep: Next waits for the secret
    page.secret.setText(SECRET)
    assert next_enabled(wizard)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == steps.CONFIRM_VALUES)
    assert model.saved == [(CLIENT_ID, SECRET)] and not page.missing_notice.isVisible()


# ----- step 7 -----
def test_several_organisations_fail_closed_until_one_is_chosen_and_next_commits(qtbot, fake_model):
    fake_model.tenant_list = [
        connection("Demo Company (NZ)", "nz"),
        connection("Demo Company (UK)", "uk", "e0"),
    ]
    wizard = open_wizard(qtbot, fake_model, steps.PICK_TENANT, autoload=True)
    wizard.ctx.outcome = type("Outcome", (), {"new_tenant_ids": ["nz"]})()
    page = wizard.page_for(steps.PICK_TENANT)
    page.load()
    qtbot.waitUntil(lambda: page.combo.count() == 3)
    assert page.title() == "Step 7 of 8 – Choose organisation"
    assert page.combo.itemText(1) == "Demo Company (NZ) · connected just now"
    assert page.combo.itemText(2) == "Demo Company (UK)"
    assert page.combo.currentData() is None and not next_enabled(wizard)  # nothing chosen for you
    page.combo.setCurrentIndex(page.combo.findData("uk"))
    assert next_enabled(wizard) and fake_model.settings.tenant_id == ""  # chosen, saved on Next
    assert "Demo Company (UK)" in page.chosen.text()
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == steps.VERIFY and fake_model.settings.tenant_id == "uk"


def test_single_organisation_is_preselected_and_next_commits(qtbot, fake_model):
    fake_model.tenant_list = [connection("Demo Company (UK)", "uk")]
    wizard = open_wizard(qtbot, fake_model, steps.PICK_TENANT)
    page = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: page.combo.count() == 1)
    assert page.combo.currentData() == "uk" and next_enabled(wizard)
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert fake_model.settings.tenant_id == "uk" and wizard.currentId() == steps.VERIFY


def test_zero_tenants_say_what_to_do_and_lead_back_to_step_6(qtbot, fake_model):
    fake_model.settings.client_id = CLIENT_ID
    fake_model.store = FakeStore(secret=SECRET, tokens=fake_tokens())
    wizard = open_wizard(qtbot, fake_model, steps.PICK_TENANT)
    page = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: page.again.isVisible())
    assert "tick at least one organisation" in page.notice.text()
    assert not next_enabled(wizard)
    qtbot.mouseClick(page.again, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == steps.AUTHORIZE


# ----- opening part-way -----
def test_opening_part_way_offers_start_over(qtbot):
    model = FakeModel(store=FakeStore(secret=SECRET, tokens=fake_tokens()))
    model.settings.client_id = CLIENT_ID
    model.settings.tenant_id = "uk"
    wizard = SetupWizard(model, opener=lambda _u: None)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentId() == steps.VERIFY
    start_over = wizard.button(wizard.WizardButton.CustomButton1)
    assert start_over.isVisible() and start_over.text() == "Start over"
    qtbot.mouseClick(start_over, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == steps.NAVIGATE


def test_every_input_has_a_label_and_an_accessible_name(qtbot, fake_model):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QSpinBox

    wizard = open_wizard(qtbot, fake_model, steps.NAVIGATE, port_checker=lambda ports: ports[0])
    for step in steps.ALL_STEPS:
        page = wizard.page_for(step)
        buddies = {label.buddy() for label in page.findChildren(QLabel) if label.buddy() is not None}
        inputs = page.findChildren(QLineEdit) + page.findChildren(QComboBox) + page.findChildren(QSpinBox)
        for widget in inputs:
            if isinstance(widget.parent(), (QComboBox, QSpinBox)):
                continue  # the editor inside a spin box or combo box
            assert widget.accessibleName(), (page.title(), widget)
            assert widget in buddies, (page.title(), widget.accessibleName())
        for button in page.findChildren(QAbstractButton):
            assert button.accessibleName() or button.text(), page.title()
        assert page.title().startswith(f"Step {page.step} of 8 – ")


# ----- the worker helper -----
def test_worker_delivers_result_and_sentences(qtbot, caplog):
    got: list[object] = []
    with qtbot.waitSignal(run_task(lambda: 42, got.append).succeeded):
        pass

    def rejected():
        raise SecretRejected("Xero rejected the client ID or client secret.")

    def broken():
        raise RuntimeError("token=SECRET-VALUE-123")

    errors: list[str] = []
    with qtbot.waitSignal(run_task(rejected, on_error=errors.append).failed):
        pass
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(run_task(broken, on_error=errors.append).failed):
        pass
    assert got == [42]
    assert errors == ["Xero rejected the client ID or client secret.", GENERIC_FAILURE]
    assert "RuntimeError" in caplog.text and "SECRET-VALUE-123" not in caplog.text


def test_discarded_task_delivers_nothing(qtbot):
    import threading

    release = threading.Event()
    got: list[object] = []
    task = run_task(lambda: release.wait(5), got.append)
    task.discard()
    release.set()
    qtbot.waitUntil(lambda: not task.running)
    assert got == []


@pytest.mark.parametrize("step", steps.ALL_STEPS)
def test_every_page_builds_without_network(qtbot, fake_model, step):
    wizard = open_wizard(qtbot, fake_model, step, autoload=False, port_checker=lambda ports: ports[0])
    assert wizard.currentId() == step


def test_start_over_is_offered_only_when_the_wizard_opens_part_way(qtbot, fake_model):
    from PySide6.QtWidgets import QWizard

    from app.ui import steps
    from app.ui.wizard import SetupWizard

    fresh = SetupWizard(fake_model, opener=lambda url: None, start_id=steps.NAVIGATE)
    qtbot.addWidget(fresh)
    fresh.show()
    assert not fresh.button(QWizard.WizardButton.CustomButton1).isVisible()
    later = SetupWizard(fake_model, opener=lambda url: None, start_id=steps.PICK_TENANT)
    qtbot.addWidget(later)
    later.show()
    button = later.button(QWizard.WizardButton.CustomButton1)
    assert button.isVisible()
    later.start_over()
    assert later.currentId() == steps.NAVIGATE and not button.isVisible()


def test_redirect_uri_instructions_follow_the_profile(qtbot, fake_model):
    from app.ui.pages.base import WizardContext
    from app.ui.pages.create_app import CreateAppPage

    page = CreateAppPage(WizardContext(model=fake_model, opener=lambda url: None))
    qtbot.addWidget(page)
    fake_model.settings.profile = "xero"
    page.initializePage()
    assert "Add another URI" in page.how_to.text()
    fake_model.settings.profile = "sandbox"
    page.initializePage()
    assert "one per line" in page.how_to.text()


# ----- the keyboard (issue 16, major 4) -----
def press_enter(qtbot, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_enter_on_a_focused_button_presses_that_button_not_next(qtbot, fake_model):
    opened: list[str] = []
    wizard = open_wizard(qtbot, fake_model, steps.NAVIGATE, opened)
    page = wizard.page_for(steps.NAVIGATE)
    qtbot.waitUntil(page.open_button.hasFocus)  # the page's primary action has the focus
    qtbot.keyClick(page.open_button, Qt.Key.Key_Return)
    assert opened == [fake_model.settings.endpoints().portal_url] and wizard.currentId() == steps.NAVIGATE
    QGuiApplication.clipboard().clear()
    press_enter(qtbot, page.portal.button)  # Copy
    assert QGuiApplication.clipboard().text() == page.portal.text()
    assert wizard.currentId() == steps.NAVIGATE
    press_enter(qtbot, page.portal.edit)  # from a field, Enter still means Next
    assert wizard.currentId() == steps.CREATE_APP


def test_each_page_opens_with_its_primary_action_focused(qtbot, fake_model):
    fake_model.settings.client_id = CLIENT_ID
    expected = {
        steps.NAVIGATE: lambda page: page.open_button,
        steps.CREATE_APP: lambda page: page.app_name.edit,
        steps.RECORD_CREDENTIALS: lambda page: page.client_id,
        steps.GENERATE_SECRET: lambda page: page.wizard().button(page.wizard().WizardButton.NextButton),
        steps.CONFIRM_VALUES: lambda page: page.wizard().button(page.wizard().WizardButton.NextButton),
        steps.AUTHORIZE: lambda page: page.authorize,
        steps.PICK_TENANT: lambda page: page.combo,
        steps.VERIFY: lambda page: page.check,
    }
    for step, primary in expected.items():
        wizard = open_wizard(qtbot, fake_model, step, autoload=False, port_checker=lambda ports: ports[0])
        widget = primary(wizard.page_for(step))
        if not widget.isEnabled():
            continue  # e.g. an empty organisation list: nothing to focus there yet
        qtbot.waitUntil(lambda widget=widget: QApplication.focusWidget() is widget, timeout=2_000)
        wizard.close()


def test_finish_waits_for_a_successful_check(qtbot, fake_model):
    fake_model.settings.tenant_name = "Demo Company (UK)"
    wizard = open_wizard(qtbot, fake_model, steps.VERIFY, autoload=False)
    finish = wizard.button(wizard.WizardButton.FinishButton)
    page = wizard.page_for(steps.VERIFY)
    assert not finish.isEnabled()
    assert "check" in page.status.text().lower()  # says what is unchecked
    page.show_problem("Xero is unavailable right now; try again in a few minutes.")
    assert not finish.isEnabled()
    page.show_result(successful_check())
    assert finish.isEnabled()


@pytest.mark.parametrize("keep_checked", [True, False])
def test_finish_turns_start_at_login_on_as_offered(qtbot, fake_model, keep_checked):
    from app import autostart

    wizard = open_wizard(qtbot, fake_model, steps.VERIFY, autoload=False)
    page = wizard.page_for(steps.VERIFY)
    assert page.start_at_login.isVisible() and page.start_at_login.isChecked()  # offered, on
    assert "keeps the connection alive" in page.start_at_login.text()
    page.show_result(successful_check())
    if not keep_checked:
        page.start_at_login.click()
    with qtbot.waitSignal(wizard.finished):
        qtbot.mouseClick(wizard.button(wizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert autostart.is_enabled() is keep_checked


@pytest.mark.parametrize("step", steps.ALL_STEPS)
def test_tab_goes_through_each_page_top_to_bottom_left_to_right(qtbot, fake_model, step):
    from PySide6.QtCore import QPoint

    fake_model.settings.client_id = CLIENT_ID
    wizard = open_wizard(qtbot, fake_model, step, autoload=False, port_checker=lambda ports: ports[0])
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    page = wizard.page_for(step)
    order: list[tuple[int, int]] = []
    widgets: list[object] = []
    for _ in range(30):
        widget = QApplication.focusWidget()
        if widget is None:
            break
        if page.isAncestorOf(widget):
            if widget in widgets:
                break  # round the page once
            widgets.append(widget)
            corner = widget.mapTo(page, QPoint(0, 0))
            order.append((corner.y() + widget.height() // 2, corner.x()))
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    rows = [(y // 12, x) for y, x in order]  # the same row when centres are within a few pixels
    assert widgets or step == steps.GENERATE_SECRET  # step 3 has nothing to tab to but the buttons
    assert rows == sorted(rows), [getattr(w, "accessibleName", lambda: "")() for w in widgets]


def test_the_wizard_title_leaves_the_app_name_to_the_desktop(qtbot, fake_model):
    from app.ui.main import application

    quit_on_last = QApplication.quitOnLastWindowClosed()
    app = application(quit_on_last_window=quit_on_last)  # the test session's own app, named as ours
    wizard = open_wizard(qtbot, fake_model, steps.NAVIGATE)
    assert app.applicationDisplayName() == "Xero Connect"  # what the desktop appends to every title
    assert wizard.windowTitle() == "Setup wizard (sandbox)"


def test_a_maximised_wizard_keeps_fields_at_a_readable_width_in_rows_of_equal_height(qtbot, fake_model):
    from PySide6.QtWidgets import QFormLayout

    from app.ui.pages.base import CONTENT_MAX_WIDTH

    wizard = open_wizard(qtbot, fake_model, steps.CREATE_APP, port_checker=lambda ports: ports[0])
    wizard.resize(1600, 900)
    page = wizard.page_for(steps.CREATE_APP)
    qtbot.waitUntil(lambda: page.width() > 1400)
    for field in (page.app_name, page.company_url, *page.uri_fields):
        right = field.mapTo(page, field.rect().topRight()).x()
        assert right <= CONTENT_MAX_WIDTH + 40, right  # not stretched across a wide window
    parent = page.app_name.parentWidget()
    form = parent.layout() if parent is not None else None
    assert isinstance(form, QFormLayout)
    items = [form.itemAt(row, QFormLayout.ItemRole.FieldRole) for row in range(3)]
    fields = [item.widget() for item in items if item is not None]
    heights = [field.height() for field in fields if field is not None]
    assert len(heights) == 3, fields
    assert heights[0] == heights[2], heights  # app name and company URL; the type choice between is taller
    assert heights[1] > heights[0], heights
