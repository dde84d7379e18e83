"""Stage spreadsheet rows: a ``Lead`` row -> stg_customer; an ``Activity`` row -> stg_interaction plus
the stg_customer row of the account it was logged against (same source and key), which identity
resolution then matches by name and e-mail like any other customer record.

Column names are the sales team's headers (``Company``, ``Est. Value (£)``, ``Last Contact`` ...).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from pipeline.connectors.common import Fields, check_parsed, money, required, row, text, timestamp
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

logger = logging.getLogger(__name__)

LEAD_STATUSES: Final = ("new", "contacted", "qualified", "proposal", "won", "lost")
ACTIVITY_KINDS: Final = {
    "call": ("call", "phone"), "phone call": ("call", "phone"), "phone": ("call", "phone"),
    "email": ("email", "email"), "e-mail": ("email", "email"), "visit": ("visit", "in_person"),
    "meeting": ("visit", "in_person"), "complaint": ("complaint", None),
}  # fmt: skip
NOTES_LIMIT: Final = 5000
_LEAD_FIELDS: Final = {
    "source_key": "Lead ID", "display_name": "Company", "company_name": "Company", "given_name": "Contact",
    "family_name": "Contact", "email": "Email", "phone": "Phone", "city": "Town", "region": "Region",
    "sales_rep": "Owner", "lead_status": "Status",
}  # fmt: skip
_ACTIVITY_FIELDS: Final = {
    "display_name": "Account", "company_name": "Account", "given_name": "Contact", "family_name": "Contact",
    "email": "Email", "sales_rep": "Rep", "text": "Notes",
}  # fmt: skip


def split_name(value: Any, field: str) -> tuple[str | None, str | None]:
    """ "Jane Smith" -> ("Jane", "Smith"); one word is a given name."""
    name = text(value, field)
    if name is None:
        return None, None
    given, _, family = name.partition(" ")
    return given, family or None


def _lead(record: RawRecord, locale: Locale) -> list[StagedRow]:
    key, p, f = record.source_key, record.payload, Fields(record)
    company = required(p.get("Company"), "Company")
    status = text(p.get("Status"), "Status")
    if status is not None:
        status = status.lower()
        if status not in LEAD_STATUSES:
            raise Rejected(
                "enum", f"Status: {status[:40]!r} is not one of {', '.join(LEAD_STATUSES)}", "Status"
            )
    given, family = split_name(p.get("Contact"), "Contact")
    values = {
        "source_key": key,
        "entity": "Lead",
        "display_name": company,
        "company_name": company,
        "given_name": given,
        "family_name": family,
        "email": f.standard("email", p.get("Email"), "Email"),
        "phone": f.standard("phone", p.get("Phone"), "Phone", country_code=locale.country),
        "city": text(p.get("Town"), "Town"),
        "region": text(p.get("Region"), "Region"),
        "sales_rep": text(p.get("Owner"), "Owner"),
        "lead_status": status,
        "lead_value": money(p.get("Est. Value (£)"), "Est. Value (£)"),
        "updated_at": timestamp(p.get("Last Contact"), "Last Contact"),
    }
    return f.rows(row("stg_customer", values, _LEAD_FIELDS))


def _activity(record: RawRecord) -> list[StagedRow]:
    source, key, p, f = record.source, record.source_key, record.payload, Fields(record)
    when = timestamp(p.get("Date"), "Date")
    if when is None:
        raise Rejected("required", "Date is required", "Date")
    kind_text = required(p.get("Type"), "Type").lower()
    if kind_text not in ACTIVITY_KINDS:
        raise Rejected("enum", f"Type: {kind_text[:40]!r} is not one of {', '.join(ACTIVITY_KINDS)}", "Type")
    kind, channel = ACTIVITY_KINDS[kind_text]
    account = text(p.get("Account"), "Account")
    email = f.standard("email", p.get("Email"), "Email")
    if account is None and email is None:
        raise Rejected("required", "Account or Email is required", "Account")
    given, family = split_name(p.get("Contact"), "Contact")
    customer = {
        "source_key": key,
        "entity": "Contact",
        "display_name": account,
        "company_name": account,
        "given_name": given,
        "family_name": family,
        "email": email,
        "sales_rep": text(p.get("Rep"), "Rep"),
    }
    interaction = {
        "source_key": key,
        "kind": kind,
        "occurred_at": when,
        "customer_source": source,
        "customer_source_key": key,
        "channel": channel,
        "text": text(p.get("Notes"), "Notes", keep_newlines=True, limit=NOTES_LIMIT),
    }
    return f.rows(
        row("stg_customer", customer, _ACTIVITY_FIELDS),
        row("stg_interaction", interaction, _ACTIVITY_FIELDS),
    )


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one spreadsheet row (phones read for the source's country), or ``Rejected``."""
    check_parsed(record.payload)
    if record.entity == "Lead":
        return _lead(record, locale)
    if record.entity == "Activity":
        return _activity(record)
    raise Rejected(
        "entity", f"spreadsheet entity {record.entity!r} is not staged (expected Lead or Activity)", None
    )
