"""The whole wizard against the local sandbox over loopback, with the real keyring.

The opener stands in for the system browser: for Xero's approval page it runs follow_consent on a
thread (so the GUI thread stays free and the loopback listener can answer).
"""

from __future__ import annotations

import socket
import threading
from contextlib import ExitStack

import pytest
import requests
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard

from app.model import ConnectionModel
from app.secrets import SecretStore
from app.ui import steps
from app.ui.wizard import SetupWizard
from tests.helpers.sandbox import follow_consent, free_ports, register_app, set_auto_consent

pytestmark = pytest.mark.usefixtures("real_keyring", "no_stray_workers")

WAIT_MS = 30_000
WRONG_SECRET = "Wrong" * 8 + "00000000"  # 48 characters: valid format, not the app's


class BrowserStandIn:
    """Records every URL; answers Xero's approval page like a browser would, on its own thread."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.threads: list[threading.Thread] = []
        self.failures: list[BaseException] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        if "response_type=code" in url:
            thread = threading.Thread(target=self._consent, args=(url,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _consent(self, url: str) -> None:
        try:
            follow_consent(url)
        except BaseException as exc:  # surfaced by the test if it matters
            self.failures.append(exc)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(15)


def new_model(sandbox, ports) -> ConnectionModel:
    model = ConnectionModel("sandbox", listener_timeout=20)
    model.settings.profile = "sandbox"
    model.settings.sandbox_url = sandbox.base_url
    model.settings.redirect_ports = list(ports)
    model.save()
    return model


@pytest.fixture
def browser():
    stand_in = BrowserStandIn()
    yield stand_in
    stand_in.join()


@pytest.fixture
def cleanup_keyring(sandbox_app):
    yield
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


def open_wizard(qtbot, model, opener) -> SetupWizard:
    wizard = SetupWizard(model, opener=opener)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_next(qtbot, wizard) -> None:
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))


def authorise(qtbot, wizard) -> None:
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state in ("done", "failed"), timeout=WAIT_MS)
    assert page.state == "done", page.status.text()


@pytest.fixture
def at_step_6(qtbot, sandbox, sandbox_app, callback_ports, browser, cleanup_keyring):
    """Credentials already saved: the wizard opens on step 6 by itself."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, callback_ports)
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, browser)
    assert wizard.currentId() == steps.AUTHORIZE
    return wizard


@pytest.fixture
def pkce_app(sandbox, callback_ports):
    """A "Mobile or desktop app" in the sandbox: a client ID and no secret."""
    app = register_app(sandbox.base_url, callback_ports, integration_type="mobile")
    assert not app.client_secret
    yield app
    SecretStore("sandbox", app.client_id).delete_all()


@pytest.mark.parametrize("app_type", ["web", "pkce"])
def test_whole_wizard_page_by_page(
    qtbot, sandbox, sandbox_app, pkce_app, callback_ports, browser, cleanup_keyring, app_type, shot
):
    """Both integration types end to end; a Mobile or desktop app skips step 3 and types only its ID."""
    set_auto_consent(sandbox.base_url)
    app = pkce_app if app_type == "pkce" else sandbox_app
    model = new_model(sandbox, callback_ports)
    wizard = open_wizard(qtbot, model, browser)
    assert wizard.currentId() == steps.NAVIGATE

    page1 = wizard.page_for(steps.NAVIGATE)
    click(qtbot, page1.open_button)
    assert browser.urls == [model.endpoints.portal_url]
    click_next(qtbot, wizard)

    page2 = wizard.page_for(steps.CREATE_APP)
    assert [f.text() for f in page2.uri_fields] == app.redirect_uris
    assert not page2.port_notice.isVisible()
    assert page2.type_buttons["web"].isChecked()
    if app_type == "pkce":
        click(qtbot, page2.type_buttons["pkce"])
        assert "<b>Mobile or desktop app</b>" in page2.how_to.text()
        shot(page2, "wizard-step2-pkce")
    click_next(qtbot, wizard)
    if app_type == "web":
        assert wizard.currentId() == steps.GENERATE_SECRET
        click_next(qtbot, wizard)
    assert wizard.currentId() == steps.RECORD_CREDENTIALS

    page4 = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert page4.secret.isVisible() == (app_type == "web")
    qtbot.keyClicks(page4.client_id, app.client_id)
    if app_type == "web":
        page4.secret.setText(f"  {app.client_secret}\n")
    else:
        shot(page4, "wizard-step4-pkce")
    click_next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == steps.CONFIRM_VALUES, timeout=WAIT_MS)
    assert model.settings.app_type == app_type

    page5 = wizard.page_for(steps.CONFIRM_VALUES)
    qtbot.waitUntil(lambda: page5.fingerprint.text() == model.fingerprint(), timeout=WAIT_MS)
    if app_type == "web":
        assert app.client_secret not in page5.masked_secret.text()
    else:
        assert "Mobile or desktop app" in page5.masked_secret.text()
    click(qtbot, page5.copy_summary)
    qtbot.waitUntil(lambda: page5.notice.kind == "success", timeout=WAIT_MS)
    summary = QGuiApplication.clipboard().text()
    assert app.client_id in summary and (app.client_secret or "(no secret)") not in summary
    click_next(qtbot, wizard)

    page6 = wizard.page_for(steps.AUTHORIZE)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    authorise(qtbot, wizard)
    assert "invoices" in page6.result.text() and "valid until" in page6.result.text()
    assert "accounting." not in page6.result.text() and "accounting.invoices" in page6.result.toolTip()
    click_next(qtbot, wizard)

    page7 = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: page7.combo.count() >= 1 and not page7.loading, timeout=WAIT_MS)
    assert page7.combo.count() == 1 and page7.selected() is not None  # the single organisation is preselected
    assert "This app has 1 connection for you" in page7.usage.text() and "Starter" in page7.usage.text()
    shot(page7, f"wizard-step7-{app_type}")
    click_next(qtbot, wizard)

    page8 = wizard.page_for(steps.VERIFY)
    click(qtbot, page8.check)
    qtbot.waitUntil(lambda: not page8.checking, timeout=WAIT_MS)
    assert page8.status.text().startswith("Connection attempt successful: "), page8.status.text()
    assert page8.result is not None
    assert page8.result.base_currency and page8.result.day_remaining is not None
    with qtbot.waitSignal(wizard.finished):
        click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    assert wizard.result() == QWizard.DialogCode.Accepted
    saved = ConnectionModel("sandbox").settings
    assert saved.tenant_id and saved.client_id == app.client_id and saved.app_type == app_type
    assert not browser.failures


@pytest.mark.parametrize("opened_on", ["step 6", "step 4"])
def test_a_wrong_secret_is_found_before_the_browser_and_leads_to_step_4(
    qtbot, sandbox, sandbox_app, callback_ports, browser, cleanup_keyring, opened_on, shot
):
    """Xero refuses the secret before any consent (a client_credentials token request): on Next in
    step 4 it is not saved, and a wrong one saved before sends step 6 back to step 4 before the browser
    opens; no Retry with the same secret. The right secret then connects."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, callback_ports)
    if opened_on == "step 6":
        model.save_credentials(sandbox_app.client_id, WRONG_SECRET)
        wizard = open_wizard(qtbot, model, browser)
        page6 = wizard.page_for(steps.AUTHORIZE)
        click(qtbot, page6.authorize)
        qtbot.waitUntil(lambda: wizard.currentId() == steps.RECORD_CREDENTIALS, timeout=WAIT_MS)
        assert page6.authorize.text() != "Retry"
    else:
        model.settings.client_id = sandbox_app.client_id
        wizard = SetupWizard(model, opener=browser, start_id=steps.RECORD_CREDENTIALS)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard_page = wizard.page_for(steps.RECORD_CREDENTIALS)
        wizard_page.client_id.setText(sandbox_app.client_id)
        wizard_page.secret.setText(WRONG_SECRET)
        click_next(qtbot, wizard)
        qtbot.waitUntil(lambda: wizard_page.missing_notice.kind == "error", timeout=WAIT_MS)
        assert wizard.currentId() == steps.RECORD_CREDENTIALS
        assert SecretStore("sandbox", sandbox_app.client_id).client_secret() is None  # not saved
        shot(wizard_page, "wizard-step4-wrong-secret")
    page4 = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert "client secret is wrong" in page4.missing_notice.text()
    qtbot.waitUntil(page4.secret.hasFocus)
    assert page4.secret.text() == "" and page4.client_id.text() == sandbox_app.client_id
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # the refused one is not kept
    assert not [url for url in browser.urls if "response_type=code" in url]  # no consent at all
    save_credentials_and_go_to_step_6(qtbot, wizard, sandbox_app.client_id, sandbox_app.client_secret)
    assert not wizard.page_for(steps.AUTHORIZE).status.isVisible()
    authorise(qtbot, wizard)


def test_a_secret_refused_at_the_code_exchange_still_leads_back_to_step_4(
    qtbot, sandbox, sandbox_app, callback_ports, browser, cleanup_keyring
):
    """When the early check has nothing to go by (here: the secret is changed in Xero during consent),
    the code exchange's refusal still leads to step 4, not Retry."""
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, callback_ports)
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, browser)
    page6 = wizard.page_for(steps.AUTHORIZE)

    def rotate_then_consent(url: str) -> None:
        if "response_type=code" in url:
            # "Generate a secret" in the portal: the saved one stops working
            requests.post(
                f"{sandbox.base_url}/app/manage/{sandbox_app.client_id}/secret", timeout=5
            ).raise_for_status()
        browser(url)

    wizard.ctx.opener = rotate_then_consent
    click(qtbot, page6.authorize)
    qtbot.waitUntil(lambda: wizard.currentId() == steps.RECORD_CREDENTIALS, timeout=WAIT_MS)
    page4 = wizard.page_for(steps.RECORD_CREDENTIALS)
    assert page4.missing_notice.kind == "error" and "client secret" in page4.missing_notice.text()
    assert page6.authorize.text() != "Retry"


def test_consent_refused_offers_retry(qtbot, sandbox, at_step_6):
    set_auto_consent(sandbox.base_url, decision="deny")
    page = at_step_6.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    assert page.status.kind == "error" and page.status.text()
    assert "Traceback" not in page.status.text()
    assert page.authorize.text() == "Retry" and page.authorize.isEnabled()
    set_auto_consent(sandbox.base_url, decision="allow")
    authorise(qtbot, at_step_6)


def test_cancel_while_waiting_releases_the_listener(qtbot, at_step_6):
    wizard = at_step_6
    wizard.ctx.opener = lambda _url: None  # nobody answers in the browser
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "waiting", timeout=WAIT_MS)
    assert page.busy.isVisible() and "left" in page.status.text()
    click(qtbot, page.cancel)
    assert page.state == "failed" and page.authorize.text() == "Retry"
    qtbot.waitUntil(lambda: page.ctx.tasks[-1].done, timeout=WAIT_MS)  # the wait() call ended


def test_busy_ports_then_paste_the_redirect_url(qtbot, sandbox, at_step_6, callback_ports):
    wizard = at_step_6
    page = wizard.page_for(steps.AUTHORIZE)
    with ExitStack() as stack:
        for port in callback_ports:
            holder = stack.enter_context(socket.socket())
            holder.bind(("127.0.0.1", port))
            holder.listen(1)
        click(qtbot, page.authorize)
        qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
        assert "in use" in page.status.text()
        # The paste-back path needs no port at all.
        wizard.ctx.opener = lambda _url: None
        click(qtbot, page.expander)
        click(qtbot, page.no_listener)
        qtbot.waitUntil(lambda: page.attempt is not None, timeout=WAIT_MS)
        answer = requests.get(page.attempt.url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302
        page.paste.setText(answer.headers["Location"])
        click(qtbot, page.paste_button)
        qtbot.waitUntil(lambda: page.state in ("done", "failed"), timeout=WAIT_MS)
        assert page.state == "done", page.status.text()
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_step_2_suggests_a_name_the_sandbox_portal_accepts_and_warns_about_xero(
    qtbot, sandbox, callback_ports, browser, shot
):
    """The suggested name goes through the sandbox's portal rule; typing "Xero" warns at once."""
    model = new_model(sandbox, callback_ports)
    model.settings.tenant_name = "Acme Ltd"
    wizard = open_wizard(qtbot, model, browser)
    click_next(qtbot, wizard)
    page = wizard.page_for(steps.CREATE_APP)
    assert page.app_name.text() == "Acme Ltd CRM invoicing" and not page.name_notice.isVisible()
    body = {"name": page.app_name.text(), "redirect_uris": page.redirect_uris()}
    assert requests.post(f"{sandbox.base_url}/sandbox/apps", json=body, timeout=5).status_code == 201
    page.app_name.edit.clear()
    qtbot.keyClicks(page.app_name.edit, "My XERO sync")
    assert page.name_notice.isVisible() and page.name_notice.kind == "warning"
    assert 'the word "Xero"' in page.name_notice.text()
    refused = requests.post(
        f"{sandbox.base_url}/sandbox/apps", json={**body, "name": page.app_name.text()}, timeout=5
    )
    assert refused.status_code == 400
    shot(page, "wizard-step2-name")
    page.app_name.edit.clear()
    qtbot.keyClicks(page.app_name.edit, "My sync")
    assert not page.name_notice.isVisible()


def test_busy_port_warning_on_step_2(qtbot, sandbox, callback_ports, browser):
    model = new_model(sandbox, callback_ports)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", callback_ports[0]))
        holder.listen(1)
        wizard = open_wizard(qtbot, model, browser)
        click_next(qtbot, wizard)
        page = wizard.page_for(steps.CREATE_APP)
        assert page.port_notice.kind == "warning" and str(callback_ports[0]) in page.port_notice.text()


def test_no_tenants_is_not_a_dead_end(qtbot, sandbox, at_step_6):
    wizard = at_step_6
    authorise(qtbot, wizard)
    click_next(qtbot, wizard)
    page = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: not page.loading and page.combo.count() == 1, timeout=WAIT_MS)
    sandbox.post("disconnect", {"tenant_id": page.combo.currentData()})
    click(qtbot, page.refresh)
    qtbot.waitUntil(lambda: not page.loading, timeout=WAIT_MS)
    assert page.combo.count() == 0
    assert "tick at least one organisation" in page.notice.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    click(qtbot, page.again)
    assert wizard.currentId() == steps.AUTHORIZE


@pytest.fixture
def at_step_8(qtbot, at_step_6):
    wizard = at_step_6
    authorise(qtbot, wizard)
    click_next(qtbot, wizard)
    page7 = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: page7.isComplete(), timeout=WAIT_MS)
    click_next(qtbot, wizard)
    assert wizard.currentId() == steps.VERIFY
    return wizard


def test_server_error_during_check_names_the_reason(qtbot, sandbox, at_step_8):
    sandbox.post("faults", {"kind": "500", "count": 5})
    page = at_step_8.page_for(steps.VERIFY)
    click(qtbot, page.check)
    qtbot.waitUntil(lambda: not page.checking, timeout=60_000)
    assert page.status.kind == "error" and "unavailable" in page.status.text()
    assert page.fixes.isVisible() and page.check.isEnabled()


def test_window_stays_responsive_while_xero_is_slow(qtbot, sandbox, at_step_8):
    sandbox.post("faults", {"kind": "delay", "delay_seconds": 4, "count": 1})
    page = at_step_8.page_for(steps.VERIFY)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    click(qtbot, page.check)  # returns at once: the request runs in a worker
    assert page.checking and page.busy.isVisible() and page.stop.isVisible()
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=3_000)  # ~0.5 s of the 4 s delay
    assert page.checking  # still waiting on Xero, yet the event loop ran the timer
    assert page.stop.isEnabled()
    qtbot.waitUntil(lambda: not page.checking, timeout=WAIT_MS)
    timer.stop()
    assert page.status.text().startswith("Connection attempt successful: "), page.status.text()


@pytest.mark.parametrize("app_type", ["web", "pkce"])
def test_step_6_in_a_real_headless_chromium(
    qtbot, chromium, sandbox, sandbox_app, pkce_app, callback_ports, cleanup_keyring, app_type
):
    """The browser step with the real thing: Chromium loads the sandbox's consent page, the test
    clicks Allow, and Chromium itself delivers the redirect to the wizard's loopback listener."""
    from tests.helpers.browser import allow_in_browser

    pages: list[str] = []

    def chromium_opener(url: str) -> None:
        if "response_type=code" in url:
            thread = threading.Thread(
                target=lambda: pages.append(allow_in_browser(chromium, url)), daemon=True
            )
            thread.start()

    model = new_model(sandbox, callback_ports)
    if app_type == "pkce":
        model.save_credentials(pkce_app.client_id, None, "pkce")
    else:
        model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, chromium_opener)
    assert wizard.currentId() == steps.AUTHORIZE
    authorise(qtbot, wizard)
    qtbot.waitUntil(lambda: bool(pages), timeout=WAIT_MS)
    assert "close this tab" in pages[0].lower()
    click_next(qtbot, wizard)
    assert wizard.currentId() == steps.PICK_TENANT


def test_unregistered_redirect_uri_is_named_before_the_browser_opens(
    qtbot, sandbox, sandbox_app, browser, cleanup_keyring
):
    model = new_model(sandbox, free_ports(3))  # ports the app in Xero does not list
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, browser)
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    assert "add exactly this URI" in page.status.text() and "http://localhost:" in page.status.text()
    assert not [url for url in browser.urls if "response_type=code" in url]  # no trip to a dead end


def test_a_closed_tab_times_out_naming_the_closed_tab_not_the_redirect_uri(qtbot, at_step_6):
    wizard = at_step_6
    wizard.ctx.opener = lambda _url: None  # the tab is closed: nothing ever comes back
    wizard.model.listener_timeout = 0.5
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    assert "the approval page was probably closed" in page.status.text()
    assert "redirect URI" not in page.status.text()
    assert page.authorize.text() == "Retry"


def test_the_long_wait_hint_follows_what_reached_the_listener(qtbot, at_step_6, shot):
    from app.ui.pages import authorize as authorize_page

    wizard = at_step_6
    wizard.ctx.opener = lambda _url: None
    wizard.model.listener_timeout = 3
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "waiting", timeout=WAIT_MS)
    page._started -= authorize_page.MISMATCH_HINT_AFTER  # as if the wait had gone on for long
    page.tick()
    assert "Nothing has come back from the browser yet" in page.hint.text()
    port = wizard.model.settings.redirect_ports[0]
    stale = requests.get(f"http://127.0.0.1:{port}/callback?code=c&state=an-older-tab", timeout=5)
    assert stale.status_code == 400
    page.tick()
    assert "older approval page" in page.hint.text() and "redirect URI" not in page.hint.text()
    shot(page, "wizard-step6-hint")
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    assert "from an older approval page" in page.status.text()
    assert not page.hint.isVisible()
    shot(page, "wizard-step6-timeout")


def test_a_third_uncertified_app_refused_at_consent_is_explained_when_the_wait_ends(
    qtbot, sandbox, sandbox_app, callback_ports, browser, cleanup_keyring, shot
):
    """Xero greys the organisation out for a third uncertified app: no callback ever comes, so the
    sentence where the wait ends says what to do about connection limits."""
    from tests.helpers.flows import authorize as authorize_model
    from tests.helpers.flows import new_model as model_for

    set_auto_consent(sandbox.base_url)
    for _ in range(2):  # two other uncertified apps connected to the same organisation
        other = register_app(sandbox.base_url, callback_ports)
        authorize_model(model_for(sandbox, other, callback_ports))
        SecretStore("sandbox", other.client_id).delete_all()
    before = sandbox.control("GET", "counters")["consents_refused"]
    model = new_model(sandbox, callback_ports)
    model.listener_timeout = 1
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, browser)
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    browser.join()
    after = sandbox.control("GET", "counters")["consents_refused"]
    assert after > before  # Xero refused the consent, which the program itself never sees
    assert "needs to complete certification" in page.status.text()
    assert "Connected Apps" in page.status.text() and "another tier" in page.status.text()
    qtbot.wait(300)  # let the notice take its wrapped height before the picture
    shot(page, "wizard-step6-cap")


def test_a_failure_takes_the_taking_long_hint_with_it(qtbot, at_step_6):
    wizard = at_step_6
    wizard.ctx.opener = lambda _url: None
    wizard.model.listener_timeout = 0.5
    page = wizard.page_for(steps.AUTHORIZE)
    click(qtbot, page.authorize)
    qtbot.waitUntil(lambda: page.state == "waiting", timeout=WAIT_MS)
    page.hint.show_message("warning", "Taking long? If Xero showed an error about an invalid redirect URI…")
    qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
    assert not page.hint.isVisible()  # the failure names its own cause; the guess from before goes


# ----- one default profile (issue 16, minor) -----
def test_installed_it_is_real_xero_and_step_1_offers_the_sandbox_as_a_choice(qtbot, sandbox, browser, shot):
    from app.settings import load_active_profile

    trial = ConnectionModel("sandbox")  # the sandbox profile's address: the test's running sandbox
    trial.settings.sandbox_url = sandbox.base_url
    trial.save()
    model = ConnectionModel()
    assert model.profile == "xero" and load_active_profile() == "xero"
    wizard = open_wizard(qtbot, model, browser)
    page = wizard.page_for(steps.NAVIGATE)
    assert page.try_sandbox.isVisible() and "real Xero" in page.profile_note.text()
    shot(page, "wizard-step1-xero")
    click(qtbot, page.try_sandbox)
    qtbot.waitUntil(lambda: wizard.model.profile == "sandbox", timeout=WAIT_MS)
    assert wizard.currentId() == steps.NAVIGATE and wizard.windowTitle() == "Setup wizard (sandbox)"
    assert page.portal.text().startswith(sandbox.base_url) and not page.try_sandbox.isVisible()
    assert load_active_profile() == "sandbox"  # the CLI's connect and check now use it too
    shot(page, "wizard-step1-sandbox")


# ----- a leaked approval link (issue 17) -----


def test_the_approval_link_is_copied_only_when_asked(qtbot, at_step_6, shot):
    page = at_step_6.page_for(steps.AUTHORIZE)
    QGuiApplication.clipboard().setText("the user's own clipboard")
    page.expander.setChecked(True)
    click(qtbot, page.no_listener)
    qtbot.waitUntil(lambda: page.state == "waiting", timeout=WAIT_MS)
    assert QGuiApplication.clipboard().text() == "the user's own clipboard"
    assert "clipboard" not in page.status.text()
    assert page.copy_link.isVisible()
    shot(page, "wizard-step6-copy-link")
    click(qtbot, page.copy_link)
    assert QGuiApplication.clipboard().text() == page.attempt.url
    page.cancel_attempt()


def test_a_first_connect_names_who_approved_and_chooses_only_when_the_admin_confirms(
    qtbot, sandbox, at_step_6, shot
):
    set_auto_consent(sandbox.base_url, user_email="mallory.other@example.com")
    wizard = at_step_6
    authorise(qtbot, wizard)
    page = wizard.page_for(steps.AUTHORIZE)
    text = page.status.text()
    assert "Mallory Other (mallory.other@example.com)" in text and "Demo Company (UK)" in text
    assert wizard.model.settings.tenant_id == ""  # nothing used before the admin confirms
    shot(page, "wizard-step6-consented-by")
    click_next(qtbot, wizard)
    tenant = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: tenant.selected() is not None, timeout=WAIT_MS)
    assert wizard.model.settings.tenant_id == ""
    click_next(qtbot, wizard)  # choosing plus Next commits
    assert wizard.model.settings.tenant_name == "Demo Company (UK)"


# ----- state follows the credentials (issue 16, major 2) -----
def go_to_credentials(qtbot, wizard) -> None:
    """From step 1, Next until step 4."""
    while wizard.currentId() != steps.RECORD_CREDENTIALS:
        click_next(qtbot, wizard)


def save_credentials_and_go_to_step_6(qtbot, wizard, client_id: str, secret: str) -> None:
    page4 = wizard.page_for(steps.RECORD_CREDENTIALS)
    page4.client_id.setText(client_id)
    page4.secret.setText(secret)
    click_next(qtbot, wizard)  # saves in a worker, then moves on
    qtbot.waitUntil(lambda: wizard.currentId() == steps.CONFIRM_VALUES, timeout=WAIT_MS)
    click_next(qtbot, wizard)
    assert wizard.currentId() == steps.AUTHORIZE


def wizard_texts(wizard) -> str:
    from app.ui.widgets import Notice

    return " ".join(
        n.text()
        for step in steps.ALL_STEPS
        for n in wizard.page_for(step).findChildren(Notice)
        if n.isVisible()
    )


@pytest.fixture
def other_app(sandbox, callback_ports):
    app = register_app(sandbox.base_url, callback_ports)
    yield app
    SecretStore("sandbox", app.client_id).delete_all()


def test_new_credentials_on_a_working_connection_need_their_own_authorisation(
    qtbot, sandbox, at_step_8, other_app, browser
):
    check = at_step_8.page_for(steps.VERIFY)
    click(qtbot, check.check)
    qtbot.waitUntil(lambda: check.result is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(at_step_8.finished):
        click(qtbot, at_step_8.button(QWizard.WizardButton.FinishButton))
    wizard = open_wizard(qtbot, ConnectionModel("sandbox", listener_timeout=20), browser)
    assert wizard.currentId() == steps.VERIFY  # a working connection
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))  # Start over
    go_to_credentials(qtbot, wizard)
    save_credentials_and_go_to_step_6(qtbot, wizard, other_app.client_id, other_app.client_secret)
    page6 = wizard.page_for(steps.AUTHORIZE)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "already authorised" not in page6.status.text() and not page6.result.isVisible()
    authorise(qtbot, wizard)  # for the new app: now Next
    click_next(qtbot, wizard)
    page7 = wizard.page_for(steps.PICK_TENANT)
    qtbot.waitUntil(lambda: not page7.loading and page7.combo.count() >= 1, timeout=WAIT_MS)
    assert page7.selected() is not None or page7.combo.count() > 1
    texts = wizard_texts(wizard)
    assert "xero-connect" not in texts and "run the setup wizard" not in texts


def test_an_old_error_on_step_6_goes_when_the_credentials_change(
    qtbot, sandbox, sandbox_app, callback_ports, browser, cleanup_keyring, other_app
):
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, callback_ports)
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    wizard = open_wizard(qtbot, model, browser)
    page6 = wizard.page_for(steps.AUTHORIZE)
    set_auto_consent(sandbox.base_url, decision="deny")
    click(qtbot, page6.authorize)
    qtbot.waitUntil(lambda: page6.state == "failed", timeout=WAIT_MS)
    assert page6.status.kind == "error"
    set_auto_consent(sandbox.base_url, decision="allow")
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))  # Start over
    go_to_credentials(qtbot, wizard)
    save_credentials_and_go_to_step_6(qtbot, wizard, other_app.client_id, other_app.client_secret)
    assert page6.state == "idle" and not page6.status.isVisible()
    assert page6.authorize.text() != "Retry"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


# ----- Cancel undoes (issue 16, major 3) -----
def answer_question(qtbot, wizard, button_text: str) -> list[str]:
    """Click ``button_text`` in the question Cancel asks; returns the question's text (or nothing)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    asked: list[str] = []

    def click_when_shown() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click_when_shown)
            return
        asked.append(box.text())
        button = next(b for b in box.buttons() if b.text() == button_text)
        button.click()

    QTimer.singleShot(0, click_when_shown)
    click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))
    return asked


@pytest.fixture
def working(qtbot, at_step_8):
    """A finished setup that works: its client ID and organisation, then a wizard opened on it."""
    check = at_step_8.page_for(steps.VERIFY)
    click(qtbot, check.check)
    qtbot.waitUntil(lambda: check.result is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(at_step_8.finished):
        click(qtbot, at_step_8.button(QWizard.WizardButton.FinishButton))
    return ConnectionModel("sandbox").settings


@pytest.mark.parametrize("change", ["another app", "a wrong secret"])
def test_cancel_after_changing_credentials_leaves_the_working_setup(
    qtbot, working, other_app, browser, change
):
    wizard = open_wizard(qtbot, ConnectionModel("sandbox", listener_timeout=20), browser)
    assert wizard.currentId() == steps.VERIFY
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))  # Start over
    go_to_credentials(qtbot, wizard)
    if change == "another app":
        save_credentials_and_go_to_step_6(qtbot, wizard, other_app.client_id, other_app.client_secret)
        assert ConnectionModel("sandbox").settings.client_id == other_app.client_id  # saved as steps go
        with qtbot.waitSignal(wizard.finished, timeout=WAIT_MS):
            asked = answer_question(qtbot, wizard, "Discard changes")
        assert asked and working.tenant_name in asked[0] and "as before" in asked[0]  # says so
    else:  # Xero refuses it before anything is saved: nothing changed, nothing to ask
        page4 = wizard.page_for(steps.RECORD_CREDENTIALS)
        page4.client_id.setText(working.client_id)
        page4.secret.setText(WRONG_SECRET)
        click_next(qtbot, wizard)
        qtbot.waitUntil(lambda: page4.missing_notice.kind == "error", timeout=WAIT_MS)
        with qtbot.waitSignal(wizard.finished, timeout=WAIT_MS):
            click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))
    model = ConnectionModel("sandbox")
    assert (model.settings.client_id, model.settings.tenant_id) == (working.client_id, working.tenant_id)
    assert model.check_connection().message.startswith("Connection attempt successful")


def test_cancel_after_a_new_authorisation_asks_and_can_keep_it(qtbot, working, other_app, browser):
    wizard = open_wizard(qtbot, ConnectionModel("sandbox", listener_timeout=20), browser)
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))
    go_to_credentials(qtbot, wizard)
    save_credentials_and_go_to_step_6(qtbot, wizard, other_app.client_id, other_app.client_secret)
    authorise(qtbot, wizard)
    with qtbot.waitSignal(wizard.finished, timeout=WAIT_MS):
        asked = answer_question(qtbot, wizard, "Keep the new authorisation")
    assert asked and "authorised anew" in asked[0]
    assert ConnectionModel("sandbox").settings.client_id == other_app.client_id


def test_cancel_with_nothing_changed_closes_without_a_question(qtbot, working, browser):
    wizard = open_wizard(qtbot, ConnectionModel("sandbox", listener_timeout=20), browser)
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))  # looking around is no change
    click_next(qtbot, wizard)
    with qtbot.waitSignal(wizard.finished, timeout=5_000):
        click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))
    assert ConnectionModel("sandbox").settings.client_id == working.client_id


def test_the_wizard_comes_to_the_front_after_the_browser_approval(qtbot, at_step_6):
    from PySide6.QtWidgets import QApplication, QWidget

    browser_window = QWidget()  # where the user was: the browser has the focus
    qtbot.addWidget(browser_window)
    browser_window.show()
    browser_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is browser_window)
    authorise(qtbot, at_step_6)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is at_step_6, timeout=2_000)


def test_stop_waiting_is_not_called_cancel(qtbot, at_step_6):
    page = at_step_6.page_for(steps.AUTHORIZE)
    assert page.cancel.text() == "Stop waiting"
    assert at_step_6.button(QWizard.WizardButton.CancelButton).text() != page.cancel.text()


def test_a_busy_first_port_is_named_as_the_cause_with_its_program(
    qtbot, sandbox, callback_ports, browser, real_keyring
):
    """Only the first URI registered, and its port held by another program: the sentence says the
    port was busy (and by which program) as well as which URI to add."""
    only_first = register_app(sandbox.base_url, callback_ports[:1])
    try:
        model = new_model(sandbox, callback_ports)
        model.save_credentials(only_first.client_id, only_first.client_secret)
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", callback_ports[0]))
            holder.listen(1)
            wizard = open_wizard(qtbot, model, browser)
            page = wizard.page_for(steps.AUTHORIZE)
            click(qtbot, page.authorize)
            qtbot.waitUntil(lambda: page.state == "failed", timeout=WAIT_MS)
        text = page.status.text()
        assert f"Port {callback_ports[0]} is in use by " in text
        assert "another program" not in text  # this process holds it, and the OS says which one it is
        assert "add exactly this URI" in text and f"localhost:{callback_ports[1]}/callback" in text
    finally:
        SecretStore("sandbox", only_first.client_id).delete_all()


def test_quitting_with_a_changed_wizard_open_puts_the_working_setup_back_unasked(
    qtbot, working, other_app, browser
):
    from app.ui.main import _WizardOpener

    opener = _WizardOpener("sandbox")
    opener()  # the tray's "Open setup wizard": the setup state is read in a worker first
    qtbot.waitUntil(lambda: opener.wizard is not None and opener.wizard.isVisible(), timeout=WAIT_MS)
    wizard = opener.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    wizard.ctx.opener = browser
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))
    go_to_credentials(qtbot, wizard)
    save_credentials_and_go_to_step_6(qtbot, wizard, other_app.client_id, other_app.client_secret)
    with qtbot.waitSignal(wizard.finished, timeout=5_000):
        opener.close()  # what quitting the tray does; a question here would block the quit
    model = ConnectionModel("sandbox")
    assert (model.settings.client_id, model.settings.tenant_id) == (working.client_id, working.tenant_id)
