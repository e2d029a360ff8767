"""The app an admin registers in Xero's developer portal: its name (a suggestion, and Xero's rule about
it) and its integration type."""

from __future__ import annotations

GENERIC_NAME = "CRM invoicing"
# Names saved by earlier versions, which suggested this one before Xero's rule was known.
OLD_DEFAULT_NAMES = frozenset({"Xero Connect"})


def suggested_app_name(company: str = "") -> str:
    """The company's or organisation's name + " CRM invoicing", or "CRM invoicing" when it is unknown
    (or itself contains "Xero", which Xero's portal would refuse)."""
    company = " ".join(company.split())
    if not company or contains_xero(company):
        return GENERIC_NAME
    return f"{company} {GENERIC_NAME}"


def contains_xero(name: str) -> bool:
    return "xero" in name.casefold()


def app_name_problem(name: str, company: str = "") -> str:
    """The sentence to show while the admin types an app name Xero refuses; empty when it is fine."""
    if not contains_xero(name):
        return ""
    return (
        f'Xero does not allow the word "Xero" in an app\'s name, in any case: choose one without it, '
        f'such as "{suggested_app_name(company)}".'
    )


def initial_app_name(saved: str, company: str = "") -> str:
    """What step 2 shows first: the saved name, unless none was chosen yet (or it is an old default)."""
    if not saved.strip() or saved in OLD_DEFAULT_NAMES:
        return suggested_app_name(company)
    return saved


WEB_APP = "web"
DESKTOP_APP = "pkce"
# Xero's names for the integration types, as its "New app" form lists them.
APP_TYPE_LABELS = {WEB_APP: "Web app", DESKTOP_APP: "Mobile or desktop app"}
APP_TYPE_HINTS = {
    WEB_APP: "with a client secret, as the CRM's help page describes",
    DESKTOP_APP: "no client secret; Xero recommends it for programs on a user's computer",
}


def app_type_label(app_type: str) -> str:
    return APP_TYPE_LABELS.get(app_type, APP_TYPE_LABELS[WEB_APP])


STARTER_CONNECTION_CAP = 5  # Xero's free Starter tier: connections (users x organisations) per app


def connections_in_use(count: int) -> str:
    """Step 7's line on the app's connections (GET /connections: those of the user who consented)."""
    noun = "connection" if count == 1 else "connections"
    return (
        f"This app has {count} {noun} for you in Xero; on Xero's free Starter tier an app may have "
        f"{STARTER_CONNECTION_CAP} in all (each user and organisation counts until it is disconnected "
        "in Xero's Connected Apps); at the cap, disconnect unused ones there or move the app to another "
        "tier."
    )


# What the program sees when Xero refuses a connection at consent (the tier's cap, or a third uncertified
# app for an organisation): no callback at all, so it is said where the wait for one ends.
CONNECTION_CAP_HINT = (
    'If Xero said the app "needs to complete certification", or showed your organisation greyed out, '
    "the app has reached its limit of connections: disconnect unused connections in Xero's Connected Apps "
    "(or another uncertified app from that organisation), or move the app to another tier, then try again."
)
