"""Match keys for identity fields: each maps raw text to the form the matcher compares, or ``None``.

The value rules are the quality layer's (``pipeline.quality.standardise``: phones and postcodes read
for a country, e-mail validity and canonical form, text folding, street and state abbreviations per
country); this module adds only what matching needs on top of them: an e-mail without ``+tag`` (and
without dots for Gmail), a postcode without its separator, business names without legal-form words,
dates as ISO. A country is always passed in: there is no default one.

They never raise on any string: a value the quality rules reject (a phone with letters, a date of
31/02) becomes ``None`` so the matcher treats it as missing; callers count and report those.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Final

import pandas as pd

from pipeline.quality import standardise as quality
from pipeline.quality.standardise import InvalidValue, fold

logger = logging.getLogger(__name__)

__all__ = [
    "BUSINESS_NOISE_WORDS",
    "FREE_MAIL_DOMAINS",
    "digits",
    "email_domains",
    "email_key",
    "fold",
    "normalise_business_name",
    "normalise_city",
    "normalise_date",
    "normalise_email",
    "normalise_name",
    "normalise_owner",
    "normalise_phone",
    "normalise_postcode",
    "normalise_state",
    "normalise_street",
    "normalise_token",
]

_NON_ALNUM: Final = re.compile(r"[^0-9A-Za-z]")
_NON_DIGIT: Final = re.compile(r"[^0-9]")

#: Legal-form and filler words that do not identify a business.
BUSINESS_NOISE_WORDS: Final = frozenset(
    {
        "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "co", "corp", "corporation",
        "company", "plc", "pty", "pte", "gmbh", "ag", "sa", "sarl", "bv", "nv", "srl", "spa",
        "oy", "ab", "as", "kk", "the", "and", "group", "holdings",
    }
)  # fmt: skip


def normalise_name(text: str | None) -> str | None:
    """Fold a personal name; titles and spacing are not identity."""
    return fold(text)


def normalise_business_name(text: str | None) -> str | None:
    """Fold a business name and drop legal-form noise words (Ltd, Inc, LLC, Pty, Corp...).

    ``&`` counts as ``and`` (a noise word). If only noise words remain, the folded name is kept.
    """
    if text is None:
        return None
    folded = fold(str(text).replace("&", " and "))
    if folded is None:
        return None
    kept = [w for w in folded.split(" ") if w not in BUSINESS_NOISE_WORDS]
    return " ".join(kept) if kept else folded


def normalise_phone(text: str | None, region: str) -> str | None:
    """The quality layer's E.164 form of a valid number (national forms read as ``region``'s), else ``None``."""
    try:
        return quality.phone(text, region)
    except InvalidValue:
        return None


def normalise_email(text: str | None) -> str | None:
    """The match key of an e-mail: the quality layer's canonical address, then :func:`email_key`."""
    try:
        canonical = quality.email(text)
    except InvalidValue:
        return None
    return None if canonical is None else email_key(canonical)


def email_key(canonical: str) -> str | None:
    """A canonical (valid, lower-case) address without ``+tag`` sub-addressing, Gmail local parts without dots
    (``googlemail.com`` is ``gmail.com``): one mailbox, however it was written; ``None`` if no local part is left.
    """
    local, domain = canonical.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain == "gmail.com":
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


#: Mailbox providers whose domain says nothing about which business a person works for.
FREE_MAIL_DOMAINS: Final = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com", "live.co.uk",
        "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "aol.co.uk", "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net", "ntlworld.com",
        "blueyonder.co.uk", "mail.com", "gmx.com", "gmx.co.uk", "protonmail.com", "proton.me", "zoho.com",
        "bigpond.com", "bigpond.net.au", "optusnet.com.au",
    }
)  # fmt: skip


def email_domains(emails: pd.Series) -> pd.Series:
    """The domain of each standardised e-mail, or missing for free-mail providers (a company's web domain)."""
    domain = emails.str.split("@", n=1).str[1]
    return domain.mask(domain.isin(FREE_MAIL_DOMAINS)).astype("string")


def normalise_postcode(text: str | None, country: str | None) -> str | None:
    """The quality layer's postcode of ``country`` (``SW1A 1AA``) without separators (``SW1A1AA``); one that
    breaks the country's rule gives ``None``; without a country (or a rule), letters and digits upper-cased."""
    try:
        code = quality.postcode(text, country)
    except InvalidValue:
        return None
    return normalise_token(code)


def normalise_street(text: str | None, country: str | None) -> str | None:
    """Fold a street line and abbreviate ``country``'s street types (``12 Main Street`` -> ``12 main st``)."""
    folded = fold(text)
    if folded is None:
        return None
    words = quality.street_abbreviations(country)
    return " ".join(words.get(w, w) for w in folded.split(" "))


def normalise_owner(text: str | None) -> str | None:
    """An account owner (sales rep) by first name: sheets write ``Hannah`` as often as ``Hannah Okafor``."""
    folded = fold(text)
    return folded.split(" ", 1)[0] if folded else None


def normalise_city(text: str | None) -> str | None:
    """Fold a city or suburb name."""
    return fold(text)


def normalise_state(text: str | None, country: str | None) -> str | None:
    """Fold a state and abbreviate ``country``'s full state names (``New South Wales`` -> ``nsw``)."""
    folded = fold(text)
    if folded is None:
        return None
    return quality.state_abbreviations(country).get(folded, folded)


def normalise_token(text: str | None) -> str | None:
    """Letters and digits of the folded text, upper-cased: ids such as national ids and source ids."""
    folded = fold(text)
    code = _NON_ALNUM.sub("", folded).upper() if folded else ""
    return code or None


def normalise_date(text: str | None, *, day_first: bool = True) -> str | None:
    """Parse ``YYYYMMDD``, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (``MM/DD/YYYY`` if not day_first) to ISO.

    Impossible dates (month 13, 31 February) give ``None``.
    """
    if text is None:
        return None
    raw = str(text).strip()
    parts = [p for p in re.split(r"[-/. ]", raw) if p]
    try:
        if len(parts) == 1 and len(parts[0]) == 8 and parts[0].isdigit():
            y, m, d = int(parts[0][:4]), int(parts[0][4:6]), int(parts[0][6:])
        elif len(parts) == 3 and all(p.isdigit() for p in parts):
            if len(parts[0]) == 4:
                y, m, d = int(parts[0]), int(parts[1]), int(parts[2])
            elif len(parts[2]) == 4:
                first, second = int(parts[0]), int(parts[1])
                d, m = (first, second) if day_first else (second, first)
                y = int(parts[2])
            else:
                return None
        else:
            return None
        return date(y, m, d).isoformat()
    except (ValueError, OverflowError):  # OverflowError: a day or month too long for a C int
        return None


def digits(text: str | None) -> str | None:
    """Only the digits of ``text`` (for street numbers), or ``None`` if it has none."""
    if text is None:
        return None
    only = _NON_DIGIT.sub("", str(text))
    return only or None
