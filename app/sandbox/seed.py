"""Deterministic demo organisations (UK, NZ): accounts, tax rates, items, contacts, quotes, invoices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.sandbox.fmt import date_string, ms_date, stable_id
from app.sandbox.pricing import price_lines

SEED_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
DEFAULT_USER = "admin@demo-company.example"

ORGS: list[dict[str, Any]] = [
    {
        "key": "uk",
        "name": "Demo Company (UK)",
        "currency": "GBP",
        "country": "GB",
        "version": "UK",
        "timezone": "GMTSTANDARDTIME",
        "short": "!uKdm1",
        "tax_label": "VAT",
        "std_rate": 20.0,
        "rates": [
            ("OUTPUT2", "20% (VAT on Income)", 20.0),
            ("INPUT2", "20% (VAT on Expenses)", 20.0),
            ("RROUTPUT", "5% (VAT on Income)", 5.0),
            ("ZERORATEDOUTPUT", "Zero Rated Income", 0.0),
            ("ZERORATEDINPUT", "Zero Rated Expenses", 0.0),
            ("EXEMPTOUTPUT", "Exempt Income", 0.0),
            ("NONE", "No VAT", 0.0),
        ],
        "prices": {"DEV-HOUR": 95.0, "WIDGET-A": 24.5, "SUPPORT-M": 250.0, "TRAIN-DAY": 800.0},
        "currencies": [
            ("GBP", "British Pound", 1.0),
            ("EUR", "Euro", 1.1690),
            ("USD", "United States Dollar", 1.2710),
        ],
    },
    {
        "key": "nz",
        "name": "Demo Company (NZ)",
        "currency": "NZD",
        "country": "NZ",
        "version": "NZ",
        "timezone": "NEWZEALANDSTANDARDTIME",
        "short": "!nZdm2",
        "tax_label": "GST",
        "std_rate": 15.0,
        "rates": [
            ("OUTPUT2", "15% GST on Income", 15.0),
            ("INPUT2", "15% GST on Expenses", 15.0),
            ("ZERORATED", "Zero Rated", 0.0),
            ("NONE", "No GST", 0.0),
        ],
        "prices": {"DEV-HOUR": 150.0, "WIDGET-A": 39.0, "SUPPORT-M": 400.0, "TRAIN-DAY": 1200.0},
        "currencies": [("NZD", "New Zealand Dollar", 1.0)],
    },
]

ACCOUNTS = [  # code, name, type, default tax (None = org's standard sales/purchase rate by class)
    ("090", "Business Bank Account", "BANK", "NONE", "ASSET"),
    ("200", "Sales", "REVENUE", "OUTPUT2", "REVENUE"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "REVENUE"),
    ("270", "Interest Income", "REVENUE", "NONE", "REVENUE"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "EXPENSE"),
    ("400", "Advertising", "OVERHEADS", "INPUT2", "EXPENSE"),
    ("404", "Bank Fees", "OVERHEADS", "NONE", "EXPENSE"),
    ("429", "General Expenses", "OVERHEADS", "INPUT2", "EXPENSE"),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "ASSET"),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "LIABILITY"),
    ("820", "Sales Tax", "CURRLIAB", "NONE", "LIABILITY"),
]

ITEMS = [
    ("DEV-HOUR", "Development hour", "Software development, per hour"),
    ("WIDGET-A", "Widget A", "Widget A, standard finish"),
    ("SUPPORT-M", "Monthly support", "Support and maintenance, one month"),
    ("TRAIN-DAY", "Training day", "On-site training, one day"),
]

CONTACTS = [
    ("Acme Ltd", "", "", "accounts@acme.example", "CUST-001"),
    ("Bayside Club", "", "", "treasurer@bayside.example", "CUST-002"),
    ("City Limousines", "", "", "office@citylimos.example", ""),
    ("Marine Systems", "", "", "finance@marinesystems.example", "CUST-004"),
    ("Ridgeway University", "", "", "purchasing@ridgeway.example", ""),
    ("Basket Case", "", "", "hello@basketcase.example", ""),
    ("Hamilton Smith Ltd", "", "", "ap@hamiltonsmith.example", "CUST-007"),
    ("Orlena Greenville", "Orlena", "Greenville", "orlena@greenville.example", ""),
]

SALES_TERMS = {"Ridgeway University": {"Day": 30, "Type": "DAYSAFTERBILLDATE"}}  # the contact's own terms

QUOTE_PLAN = [  # status, contact index, [(item, qty)], amount types
    ("DRAFT", 0, [("DEV-HOUR", 10)], "EXCLUSIVE"),
    ("DRAFT", 1, [("WIDGET-A", 4), ("SUPPORT-M", 1)], "EXCLUSIVE"),
    ("SENT", 2, [("TRAIN-DAY", 2)], "EXCLUSIVE"),
    ("SENT", 3, [("DEV-HOUR", 24), ("SUPPORT-M", 3)], "INCLUSIVE"),
    ("ACCEPTED", 0, [("DEV-HOUR", 16)], "EXCLUSIVE"),
    ("ACCEPTED", 4, [("WIDGET-A", 20), ("TRAIN-DAY", 1), ("SUPPORT-M", 12)], "EXCLUSIVE"),
    ("ACCEPTED", 7, [("SUPPORT-M", 1)], "NOTAX"),
    ("DECLINED", 5, [("WIDGET-A", 100)], "EXCLUSIVE"),
    ("DECLINED", 6, [("DEV-HOUR", 40)], "EXCLUSIVE"),
    ("INVOICED", 1, [("TRAIN-DAY", 1)], "EXCLUSIVE"),
    ("INVOICED", 3, [("DEV-HOUR", 8), ("WIDGET-A", 2)], "EXCLUSIVE"),
    ("SENT", 6, [("SUPPORT-M", 6)], "EXCLUSIVE"),
]


TRACKING = [  # name, [(option, status)], status
    ("Region", [("North", "ACTIVE"), ("South", "ACTIVE"), ("West", "ARCHIVED")], "ACTIVE"),
    ("Department", [("Sales", "ACTIVE"), ("Support", "ACTIVE")], "ACTIVE"),
]


def tenant_id(key: str) -> str:
    return stable_id("tenant", key)


def _organisation(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "OrganisationID": tenant_id(spec["key"]),
        "Name": spec["name"],
        "LegalName": spec["name"],
        "PaysTax": True,
        "Version": spec["version"],
        "OrganisationType": "COMPANY",
        "BaseCurrency": spec["currency"],
        "CountryCode": spec["country"],
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUAL" if spec["key"] == "uk" else "INVOICE",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_date(SEED_TIME),
        "Timezone": spec["timezone"],
        "OrganisationEntityType": "COMPANY",
        "ShortCode": spec["short"],
        "Class": "DEMO",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Software consulting",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def _currencies(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The organisation's enabled currencies, base first, as GET Currencies lists them; ``_rate`` is the
    sandbox's fixed rate to the base currency (Xero uses its daily XE rate)."""
    return [{"Code": code, "Description": name, "_rate": rate} for code, name, rate in spec["currencies"]]


def _tracking_categories(key: str) -> list[dict[str, Any]]:
    out = []
    for name, options, status in TRACKING:
        category_id = stable_id(key, "tracking", name)
        out.append(
            {
                "TrackingCategoryID": category_id,
                "Name": name,
                "Status": status,
                "Options": [
                    {
                        "TrackingOptionID": stable_id(key, "tracking", name, option),
                        "Name": option,
                        "Status": state,
                        "IsActive": state == "ACTIVE",
                        "IsDeleted": False,
                        "IsArchived": state == "ARCHIVED",
                    }
                    for option, state in options
                ],
            }
        )
    return out


def _tax_rates(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "Name": name,
            "TaxType": code,
            "Status": "ACTIVE",
            "TaxComponents": [
                {"Name": spec["tax_label"], "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}
            ],
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToExpenses": "INPUT" in code,
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": "INPUT" not in code,
            "DisplayTaxRate": rate,
            "EffectiveRate": rate,
        }
        for code, name, rate in spec["rates"]
    ]


def _accounts(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for code, name, kind, tax, klass in ACCOUNTS:
        acc = {
            "AccountID": stable_id(spec["key"], "account", code),
            "Code": code,
            "Name": name,
            "Type": kind,
            "Status": "ACTIVE",
            "TaxType": tax,
            "Class": klass,
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": klass == "EXPENSE",
            "ReportingCode": klass[:3],
            "HasAttachments": False,
            "UpdatedDateUTC": ms_date(SEED_TIME),
        }
        if kind == "BANK":
            acc.update(
                BankAccountNumber="12-3456-7890123-00", BankAccountType="BANK", CurrencyCode=spec["currency"]
            )
        out.append(acc)
    return out


def _items(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "ItemID": stable_id(spec["key"], "item", code),
            "Code": code,
            "Name": name,
            "Description": desc,
            "IsSold": True,
            "IsPurchased": False,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": spec["prices"][code], "AccountCode": "200", "TaxType": "OUTPUT2"},
            "PurchaseDetails": {},
            "UpdatedDateUTC": ms_date(SEED_TIME),
        }
        for code, name, desc in ITEMS
    ]


def contact_record(contact_id: str, name: str, email: str) -> dict[str, Any]:
    """An active customer as the seed stores it (and the benchmarks' larger books of contacts)."""
    return {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Name": name,
        "EmailAddress": email,
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "IsSupplier": False,
        "IsCustomer": True,
        "HasAttachments": False,
        "UpdatedDateUTC": ms_date(SEED_TIME),
    }


def _contacts(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, first, last, email, number in CONTACTS:
        contact = contact_record(stable_id(spec["key"], "contact", name), name, email)
        if first:
            contact.update(FirstName=first, LastName=last)
        if number:
            contact.update(ContactNumber=number, AccountNumber=number)
        if name in SALES_TERMS:
            contact["PaymentTerms"] = {"Sales": SALES_TERMS[name]}
        out.append(contact)
    return out


def _lines(org: dict[str, Any], key: str, doc: str, plan: list[tuple[str, int]]) -> list[dict[str, Any]]:
    by_code = {item["Code"]: item for item in org["items"]}
    return [
        {
            "LineItemID": stable_id(key, doc, "line", str(n)),
            "Description": by_code[code]["Description"],
            "Quantity": qty,
            "UnitAmount": by_code[code]["SalesDetails"]["UnitPrice"],
            "ItemCode": code,
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
            "Tracking": [],
        }
        for n, (code, qty) in enumerate(plan)
    ]


def _quotes(org: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out = []
    for n, (status, who, plan, kind) in enumerate(QUOTE_PLAN, start=1):
        number = f"QU-{n:04d}"
        day = date(2026, 1, 5) + timedelta(days=3 * n)
        contact = org["contacts"][who]
        lines = _lines(org, key, number, plan)
        quote = {
            "QuoteID": stable_id(key, "quote", number),
            "QuoteNumber": number,
            "Reference": f"Proposal {n}",
            "Terms": "Valid for 30 days.",
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "LineItems": lines,
            "Date": ms_date(day),
            "DateString": date_string(day),
            "ExpiryDate": ms_date(day + timedelta(days=30)),
            "ExpiryDateString": date_string(day + timedelta(days=30)),
            "Status": status,
            "CurrencyCode": org["organisation"]["BaseCurrency"],
            "CurrencyRate": 1.0,
            "TotalDiscount": 0.0,
            "Title": f"Quote for {contact['Name']}",
            "Summary": "Work as discussed.",
            "UpdatedDateUTC": ms_date(SEED_TIME + timedelta(hours=n)),
            "LineAmountTypes": kind,
        }
        quote.update(price_lines(org, lines, kind))
        out.append(quote)
    return out


def _invoices(org: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out = []
    for n, (status, who, plan) in enumerate(
        [
            ("AUTHORISED", 0, [("DEV-HOUR", 12)]),
            ("DRAFT", 1, [("WIDGET-A", 10)]),
            ("SUBMITTED", 3, [("SUPPORT-M", 2)]),
        ],
        start=1,
    ):
        number = f"INV-{n:04d}"
        day = date(2026, 1, 10) + timedelta(days=n)
        contact = org["contacts"][who]
        lines = _lines(org, key, number, plan)
        inv = {
            "Type": "ACCREC",
            "InvoiceID": stable_id(key, "invoice", number),
            "InvoiceNumber": number,
            "Reference": f"Seed {n}",
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "LineItems": lines,
            "Date": ms_date(day),
            "DueDate": ms_date(day + timedelta(days=14)),
            "LineAmountTypes": "Exclusive",
            "Status": status,
            "CurrencyCode": org["organisation"]["BaseCurrency"],
            "CurrencyRate": 1.0,
            "SentToContact": False,
            "HasAttachments": False,
            "IsDiscounted": False,
            "AmountPaid": 0.0,
            "AmountCredited": 0.0,
            "Payments": [],
            "CreditNotes": [],
            "Prepayments": [],
            "Overpayments": [],
            "UpdatedDateUTC": ms_date(SEED_TIME),
        }
        inv.update(price_lines(org, lines, "Exclusive"))
        inv["AmountDue"] = inv["Total"]
        out.append(inv)
    return out


def seed_orgs() -> dict[str, dict[str, Any]]:
    """tenant_id -> organisation data, in display order (UK first)."""
    orgs: dict[str, dict[str, Any]] = {}
    for spec in ORGS:
        org: dict[str, Any] = {
            "organisation": _organisation(spec),
            "tax_rates": _tax_rates(spec),
            "accounts": _accounts(spec),
            "items": _items(spec),
            "currencies": _currencies(spec),
            "contacts": _contacts(spec),
            "tracking_categories": _tracking_categories(spec["key"]),
            "next_invoice": 4,
        }
        org["quotes"] = _quotes(org, spec["key"])
        org["invoices"] = _invoices(org, spec["key"])
        orgs[tenant_id(spec["key"])] = org
    return orgs
