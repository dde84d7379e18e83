"""Pure standardisers for identity fields: each maps raw text to a canonical form or ``None``.

They never raise on any string: unparseable input (a phone with letters, a date of 31/02)
becomes ``None`` so the matcher treats it as missing; callers count and report those.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date
from typing import Final

import pandas as pd
import phonenumbers

logger = logging.getLogger(__name__)

_DROP_CHARS: Final = re.compile(r"['’`´.]")
_NON_WORD: Final = re.compile(r"[^\w]+|_")
_SPACES: Final = re.compile(r"\s+")
_NON_ALNUM: Final = re.compile(r"[^0-9A-Za-z]")
_NON_DIGIT: Final = re.compile(r"[^0-9]")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Legal-form and filler words that do not identify a business.
BUSINESS_NOISE_WORDS: Final = frozenset(
    {
        "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "co", "corp", "corporation",
        "company", "plc", "pty", "pte", "gmbh", "ag", "sa", "sarl", "bv", "nv", "srl", "spa",
        "oy", "ab", "as", "kk", "the", "and", "group", "holdings",
    }
)  # fmt: skip

#: Street words -> canonical abbreviation (Australia Post / USPS style).
STREET_ABBREVIATIONS: Final[dict[str, str]] = {
    "street": "st", "str": "st", "st": "st", "saint": "st",
    "road": "rd", "rd": "rd",
    "avenue": "ave", "av": "ave", "ave": "ave",
    "drive": "dr", "drv": "dr", "dr": "dr",
    "lane": "ln", "ln": "ln",
    "court": "ct", "crt": "ct", "ct": "ct",
    "place": "pl", "pl": "pl",
    "crescent": "cres", "cres": "cres", "cr": "cres",
    "boulevard": "blvd", "blvd": "blvd",
    "parade": "pde", "pde": "pde",
    "terrace": "tce", "tce": "tce",
    "highway": "hwy", "hwy": "hwy",
    "circuit": "cct", "cct": "cct",
    "close": "cl", "cl": "cl",
    "square": "sq", "sq": "sq",
    "esplanade": "esp", "esp": "esp",
    "grove": "gr", "gr": "gr",
    "way": "way", "wy": "way",
    "north": "n", "south": "s", "east": "e", "west": "w",
    "apartment": "apt", "apt": "apt", "unit": "unit", "suite": "ste", "ste": "ste",
}  # fmt: skip

#: Full state names -> abbreviation, for Australia and the larger US states.
STATE_ABBREVIATIONS: Final[dict[str, str]] = {
    "new south wales": "nsw", "victoria": "vic", "queensland": "qld", "western australia": "wa",
    "south australia": "sa", "tasmania": "tas", "australian capital territory": "act",
    "northern territory": "nt", "california": "ca", "new york": "ny", "texas": "tx", "florida": "fl",
}  # fmt: skip


def fold(text: str | None) -> str | None:
    """Lower-case, strip accents (NFKD), drop apostrophes/dots, turn other punctuation into spaces.

    >>> fold("  Zoë O'Brien-Smith ")
    'zoe obrien smith'
    """
    if text is None:
        return None
    text = str(text)
    if text.isascii():  # fast path: most data needs no Unicode decomposition
        stripped = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    stripped = _DROP_CHARS.sub("", stripped)
    words = _SPACES.sub(" ", _NON_WORD.sub(" ", stripped)).strip()
    return words or None


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
    """Parse a phone number with ``phonenumbers`` and return E.164 (``+61298765432``).

    ``region`` is the ISO country assumed for numbers written without a country code.
    Numbers that cannot be parsed or are impossible for their country give ``None``.
    """
    if text is None:
        return None
    raw = str(text).strip()
    if not raw or len(raw) > 40:
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return f"+{parsed.country_code}{phonenumbers.national_significant_number(parsed)}"


def normalise_phones(keys: list[str], region: str) -> dict[str, str | None]:
    """``normalise_phone`` for many punctuation-free keys (digits, maybe a leading ``+``), fast.

    Numbers sharing their first four characters and length almost always follow one rule
    (strip the trunk prefix, prepend the country code). Per such group three members are
    parsed with phonenumbers; if all three follow one rule it is applied to the other
    all-digit members, otherwise every member is parsed. A property test checks the output
    equals ``normalise_phone``.
    """
    out: dict[str, str | None] = {}
    groups: dict[tuple[str, int], list[str]] = {}
    for key in keys:
        groups.setdefault((key[:4], len(key)), []).append(key)
    for members in groups.values():
        sample, rest = members[:3], members[3:]
        for key in sample:
            out[key] = normalise_phone(key, region)
        rule = _phone_rule(sample, out)
        for key in rest:
            body = key[1:] if key.startswith("+") else key
            if rule is not None and body.isdigit():
                out[key] = rule[0] + key[rule[1] :]
            else:
                out[key] = normalise_phone(key, region)
    return out


def _phone_rule(sample: list[str], parsed: dict[str, str | None]) -> tuple[str, int] | None:
    """The (prefix, characters skipped) that turns every sample key into its E.164, or ``None``."""
    if len(sample) < 3:
        return None
    rules = set()
    for key in sample:
        e164 = parsed[key]
        body = key[1:] if key.startswith("+") else key
        if e164 is None or not body.isdigit():
            return None
        skip = next((k for k in range(len(key) - 5) if e164.endswith(key[k:])), None)
        if skip is None:
            return None
        rules.add((e164[: len(e164) - (len(key) - skip)], skip))
    return rules.pop() if len(rules) == 1 else None


def normalise_email(text: str | None) -> str | None:
    """Lower-case, drop ``+tag`` sub-addressing, drop dots in Gmail local parts; invalid -> ``None``."""
    if text is None:
        return None
    email = str(text).strip().casefold()
    if email.startswith("mailto:"):
        email = email[len("mailto:") :]
    if not _EMAIL.match(email):
        return None
    local, domain = email.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain == "gmail.com":
        local = local.replace(".", "")
    if not local:
        return None
    return f"{local}@{domain}"


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


def normalise_postcode(text: str | None) -> str | None:
    """Upper-case and keep only letters and digits (``sw1a 1aa`` -> ``SW1A1AA``)."""
    if text is None:
        return None
    folded = fold(text)
    code = _NON_ALNUM.sub("", folded).upper() if folded else ""
    return code or None


def normalise_street(text: str | None) -> str | None:
    """Fold a street line and abbreviate street types (``12 Main Street`` -> ``12 main st``)."""
    folded = fold(text)
    if folded is None:
        return None
    return " ".join(STREET_ABBREVIATIONS.get(w, w) for w in folded.split(" "))


def normalise_owner(text: str | None) -> str | None:
    """An account owner (sales rep) by first name: sheets write ``Hannah`` as often as ``Hannah Okafor``."""
    folded = fold(text)
    return folded.split(" ", 1)[0] if folded else None


def normalise_city(text: str | None) -> str | None:
    """Fold a city or suburb name."""
    return fold(text)


def normalise_state(text: str | None) -> str | None:
    """Fold a state and abbreviate known full names (``New South Wales`` -> ``nsw``)."""
    folded = fold(text)
    if folded is None:
        return None
    return STATE_ABBREVIATIONS.get(folded, folded)


def normalise_token(text: str | None) -> str | None:
    """Keep letters and digits, upper-cased: for ids such as national ids and source ids."""
    return normalise_postcode(text)


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
