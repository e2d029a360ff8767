"""One module per setup step; page ids are the step numbers (see app.ui.steps).

PAGES says, without importing any page module, which class builds each step's page and how the page
is titled: the wizard registers every step up front but builds (and imports) a page only when it is
first shown, and a light stand-in carries the title until then.
"""

from __future__ import annotations

from typing import NamedTuple

from app.ui import steps


class PageInfo(NamedTuple):
    module: str  # under app.ui.pages
    class_name: str
    title: str  # shown as "Step N - <title>"
    subtitle: str


PAGES: dict[int, PageInfo] = {
    steps.NAVIGATE: PageInfo(
        "navigate", "NavigatePage", "Navigate to Xero",
        "Xero Connect needs its own app registered in your Xero developer account."),
    steps.CREATE_APP: PageInfo(
        "create_app", "CreateAppPage", "Create app",
        "In My Apps click \"New app\" and fill in the form with these values."),
    steps.GENERATE_SECRET: PageInfo(
        "generate_secret", "GenerateSecretPage", "Generate client secret",
        "Xero shows the app's configuration page after you create it."),
    steps.RECORD_CREDENTIALS: PageInfo(
        "credentials", "CredentialsPage", "Record client ID and secret",
        "Copy both values from the app's Configuration tab in Xero and paste them here."),
    steps.CONFIRM_VALUES: PageInfo(
        "confirm", "ConfirmPage", "Confirm values",
        "Check that the values saved match the app in Xero."),
    steps.AUTHORIZE: PageInfo(
        "authorize", "AuthorizePage", "Obtain access token",
        "Approve Xero Connect in your browser so it may work with your organisation."),
    steps.PICK_TENANT: PageInfo(
        "tenant", "TenantPage", "Pick tenant",
        "Choose the Xero organisation Xero Connect should draft invoices in."),
    steps.VERIFY: PageInfo(
        "verify", "VerifyPage", "Verify connection",
        "Make one real request to the chosen organisation to prove everything works."),
}
