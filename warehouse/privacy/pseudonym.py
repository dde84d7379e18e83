"""Pseudonyms and the pure rewrites of erasure: raw payloads, staged rows and free text, with no I/O.

A pseudonym is ``erased-<hash>``, derived from the golden key alone, so the same person always gets the
same pseudonym and the same payload always rewrites to the same text: a source that sends an erased
record again lands nothing new (its rewritten content hash is already there).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

PREFIX = "erased-"
_ONE_WORD = re.compile(r"[^\W\d_]+")
MIN_VALUE_LENGTH = 5  # shorter identifying values ("Ltd", a house number) are too common to sweep for

# Raw payload keys (lower-cased leaf names) that identify a person or business, by what they become.
BLANKED_KEYS = frozenset(
    {
        "address",  # QuickBooks PrimaryEmailAddr.Address, BillEmail.Address
        "freeformnumber",  # QuickBooks phone numbers
        "postalcode",
        "postcode",
        "uri",
        "url",
        "external_url",
        "website",
        "email",
        "business_email",
        "phone",
        "mobile",
        "fax",
        "business_phone_number",
        "biography",
        "text",  # captions and comments
        "notes",
        "note",
        "html",  # the directory's raw listing markup
        "customermemo",
        "privatenote",
    }
)
FREE_TEXT_KEYS = frozenset({"text", "notes", "note", "html", "biography", "customermemo", "privatenote"})
PSEUDONYM_KEYS = frozenset(
    {
        "displayname",
        "companyname",
        "givenname",
        "middlename",
        "familyname",
        "printoncheckname",
        "fullyqualifiedname",
        "title",
        "suffix",
        "line1",
        "line2",
        "line3",
        "line4",
        "line5",
        "street",
        "full_name",
        "username",
        "company",
        "contact",
        "account",
    }
)
# "name" identifies only at a record's top level or as the customer a document names (not an item or a currency).
NAME_PARENTS = frozenset({"", "customerref", "owner"})

#: Golden and staged columns holding identifying values: blanked (NULL) or replaced by the pseudonym.
BLANKED_COLUMNS = frozenset(
    {
        "email",
        "phone",
        "mobile",
        "postcode",
        "website",
        "ship_address",
        "text",
        "raw_value",
        "evidence",
        "referral_notes",
    }  # fmt: skip
)
PSEUDONYM_COLUMNS = frozenset(
    {
        "name",
        "display_name",
        "company_name",
        "contact_name",
        "given_name",
        "family_name",
        "street",
        "instagram_handle",
    }
)
#: golden_field rows of these fields hold identifying values.
IDENTIFYING_FIELDS = BLANKED_COLUMNS | PSEUDONYM_COLUMNS


def pseudonym(customer_key: int) -> str:
    """``erased-<12 hex>`` for a golden key: stable, and not the name of anyone."""
    digest = hashlib.sha256(f"c360-erased:{customer_key}".encode()).hexdigest()
    return f"{PREFIX}{digest[:12]}"


def handle(alias: str) -> str:
    """The pseudonym as a social handle (letters, digits and underscores only)."""
    return alias.replace("-", "_")


def rewrite_payload(payload: Any, alias: str, parent: str = "") -> Any:
    """``payload`` with every identifying string replaced: contact details and free text blanked, names,
    streets and handles by the pseudonym; keys, dates, amounts and references are kept, so it still stages."""
    if isinstance(payload, Mapping):
        return {k: _rewrite_item(str(k), v, alias, parent) for k, v in payload.items()}
    if isinstance(payload, list):
        return [rewrite_payload(v, alias, parent) for v in payload]
    return payload


def _rewrite_item(key: str, value: Any, alias: str, parent: str) -> Any:
    if not isinstance(value, str):
        return rewrite_payload(value, alias, key.lower())
    lowered = key.lower()
    if not value:
        return value
    if lowered in BLANKED_KEYS:
        return ""
    if lowered == "username":
        return handle(alias)
    if lowered in PSEUDONYM_KEYS or (lowered == "name" and parent in NAME_PARENTS):
        return alias
    return value


def identifying_strings(payload: Any, parent: str = "") -> set[str]:
    """Every identifying string a raw payload holds (what :func:`rewrite_payload` replaces)."""
    found: set[str] = set()
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            lowered = str(key).lower()
            if isinstance(value, str):
                named = lowered == "name" and parent in NAME_PARENTS
                listed = lowered in (BLANKED_KEYS - FREE_TEXT_KEYS) | PSEUDONYM_KEYS
                if value and (listed or named):
                    found.add(value)
            else:
                found |= identifying_strings(value, lowered)
    elif isinstance(payload, list):
        for value in payload:
            found |= identifying_strings(value, parent)
    return found


def rewrite_row(row: Mapping[str, Any], alias: str) -> dict[str, Any]:
    """The identifying columns of one staged, golden or mart row changed (only those that differ)."""
    changes: dict[str, Any] = {}
    for column, value in row.items():
        if value is None or not isinstance(value, str):
            continue
        if column in BLANKED_COLUMNS:
            changes[column] = None
        elif column == "instagram_handle":
            changes[column] = handle(alias)
        elif column in PSEUDONYM_COLUMNS and value != alias:
            changes[column] = alias
    return changes


def sweep_values(values: Iterable[str]) -> list[str]:
    """The values worth sweeping every text column for, longest first: long enough, and not one bare word
    (a given name alone would hit every namesake, a sales rep among them)."""
    kept = {v.strip() for v in values if v and len(v.strip()) >= MIN_VALUE_LENGTH}
    kept = {v for v in kept if not v.startswith(PREFIX) and not _ONE_WORD.fullmatch(v)}
    return sorted(kept, key=lambda v: (-len(v), v))


def replace_values(text: str, values: Iterable[str], alias: str) -> str:
    """``text`` with every occurrence of ``values`` (any case) replaced by the pseudonym."""
    for value in values:
        if value.lower() in text.lower():
            text = re.sub(re.escape(value), alias, text, flags=re.IGNORECASE)
    return text
