"""Standardise identity fields at staging, so every source writes phones, e-mails and places one way.

Each function takes what a source holds and returns the standard form, ``None`` for an empty value, or
raises :class:`InvalidValue` naming the rule broken (``phone_format``, ``email_format`` ...). Phones and
postcodes are read for the record's country, which the caller always names (there is no default country):
phones by ``phonenumbers`` (every region), postcodes by :data:`POSTCODES`. Stagers keep a value that fails
as a field flag (``pipeline.connectors.common.Fields``) and stage ``None`` in its place.

The identity engine reads values through the same rules (``pipeline.identity.standardise`` builds its
match keys on top of them): :func:`fold` for names and places, :func:`street_abbreviations` and
:func:`state_abbreviations` for a country's street types and state names.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

logger = logging.getLogger(__name__)

__all__ = [
    "POSTCODES",
    "InvalidValue",
    "PostcodeRule",
    "country",
    "PLAIN_EMAIL",
    "SPECIAL_TLDS",
    "email",
    "fold",
    "is_plain_email",
    "phone",
    "postcode",
    "state_abbreviations",
    "street_abbreviations",
    "text",
    "website",
]

_SPACES: Final = re.compile(r"\s+")
_DROP_CHARS: Final = re.compile(r"['’`´.]")
_NON_WORD: Final = re.compile(r"[^\w]+|_")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_COUNTRIES: Final = {
    "UNITED KINGDOM": "GB", "UK": "GB", "U.K.": "GB", "GREAT BRITAIN": "GB", "BRITAIN": "GB", "ENGLAND": "GB",
    "SCOTLAND": "GB", "WALES": "GB", "NORTHERN IRELAND": "GB", "GBR": "GB", "UNITED KINGDOM OF GREAT BRITAIN AND "
    "NORTHERN IRELAND": "GB", "IRELAND": "IE", "REPUBLIC OF IRELAND": "IE", "EIRE": "IE", "ÉIRE": "IE", "IRL": "IE",
    "FRANCE": "FR", "FRA": "FR", "GERMANY": "DE", "DEU": "DE", "SPAIN": "ES", "ESP": "ES", "NETHERLANDS": "NL",
    "NLD": "NL", "BELGIUM": "BE", "ITALY": "IT", "UNITED STATES": "US", "USA": "US", "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US", "ISLE OF MAN": "IM", "JERSEY": "JE", "GUERNSEY": "GG", "AUSTRALIA": "AU",
    "AUS": "AU", "NEW ZEALAND": "NZ", "NZL": "NZ", "CANADA": "CA", "CAN": "CA", "THE NETHERLANDS": "NL",
    "HOLLAND": "NL", "DEUTSCHLAND": "DE", "ESPAÑA": "ES", "ITA": "IT", "BEL": "BE", "USA.": "US",
}  # fmt: skip
_ALPHA2: Final = frozenset(phonenumbers.SUPPORTED_REGIONS)
CACHED: Final = (
    65_536  # standard forms kept per rule: the same phone or e-mail recurs across a source's records
)


@dataclass(frozen=True)
class PostcodeRule:
    """A country's postcode: the pattern of its compact form (no spaces or hyphens), whose groups the
    ``separator`` joins into the normal form; ``name`` is what a failure message calls it."""

    name: str
    pattern: re.Pattern[str]
    separator: str = ""


def _rule(name: str, pattern: str, separator: str = "") -> PostcodeRule:
    return PostcodeRule(name, re.compile(pattern), separator)


_UK: Final = _rule("UK postcode", r"(GIR(?=0AA)|[A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})", " ")
_FIVE_DIGITS: Final = r"([0-9]{5})"
# The countries the firm trades with; any other country's postcodes pass as tidy text.
POSTCODES: Final[dict[str, PostcodeRule]] = {
    "GB": _UK, "IM": _UK, "JE": _UK, "GG": _UK,
    "IE": _rule("Irish Eircode", r"([AC-FHKNPRTV-Y][0-9]{2}|D6W)([0-9AC-FHKNPRTV-Y]{4})", " "),
    "US": _rule("US ZIP code", r"([0-9]{5})([0-9]{4})?", "-"),  # ZIP or ZIP+4
    "CA": _rule("Canadian postal code", r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])([0-9][ABCEGHJ-NPRSTV-Z][0-9])", " "),
    "AU": _rule("Australian postcode", r"([0-9]{4})"),
    "NZ": _rule("New Zealand postcode", r"([0-9]{4})"),
    "DE": _rule("German postcode", _FIVE_DIGITS),
    "FR": _rule("French postcode", _FIVE_DIGITS),
    "ES": _rule("Spanish postcode", r"((?:0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3})"),
    "IT": _rule("Italian postcode", _FIVE_DIGITS),
    "NL": _rule("Dutch postcode", r"([1-9][0-9]{3})([A-Z]{2})", " "),
    "BE": _rule("Belgian postcode", r"([1-9][0-9]{3})"),
}  # fmt: skip


class InvalidValue(ValueError):
    """A value that cannot be standardised; ``rule`` is the quality rule it breaks."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def text(value: str | None, *, keep_newlines: bool = False) -> str | None:
    """Unicode NFC, no control or zero-width characters, single spaces, trimmed; empty gives ``None``."""
    if value is None:
        return None
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value).replace("\xa0", " "))
    if keep_newlines:
        lines = [
            _SPACES.sub(" ", line).strip()
            for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        ]
        value = "\n".join(lines).strip()
    else:
        value = _SPACES.sub(" ", value).strip()
    return value or None


@lru_cache(maxsize=CACHED)
def phone(value: str | None, country_code: str | None) -> str | None:
    """E.164 (``+442079460123``) for any way of writing a valid number; national forms are read as numbers of
    ``country_code`` (the record's country), and without a country only an international form is valid."""
    value = text(value)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, country_code)
    except phonenumbers.NumberParseException as e:
        where = f"in {country_code}" if country_code else "without a country"
        raise InvalidValue("phone_format", f"{value!r} is not a phone number {where} ({e})") from e
    if not phonenumbers.is_valid_number(number):
        where = f" in {country_code}" if country_code else ""
        raise InvalidValue("phone_format", f"{value!r} is not a valid phone number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


#: An address ``email_validator`` takes unchanged (after lower-casing): a dot-atom local part of letters,
#: digits and ``_+-`` and a domain of letter/digit/hyphen labels under an alphabetic top-level domain.
PLAIN_EMAIL: Final = (
    r"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
#: Top-level domains ``email_validator`` refuses (special-use names).
SPECIAL_TLDS: Final = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
_PLAIN: Final = re.compile(PLAIN_EMAIL)


def is_plain_email(bare: str) -> bool:
    """Whether a lower-case address without ``mailto:`` is its own canonical form (no validator needed)."""
    if len(bare) > 254 or not _PLAIN.fullmatch(bare):
        return False
    local, domain = bare.rsplit("@", 1)
    return len(local) <= 64 and "--" not in domain and domain.rsplit(".", 1)[1] not in SPECIAL_TLDS


@lru_cache(maxsize=CACHED)
def email(value: str | None) -> str | None:
    """A syntactically valid address, lower-cased (no DNS look-up). A plain ASCII address is its own
    canonical form and skips ``email_validator`` (~70 µs an address), which reads every other one."""
    value = text(value)
    if value is None:
        return None
    if value.lower().startswith("mailto:"):
        value = value[7:]
    bare = value.lower()
    if is_plain_email(bare):
        return bare
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise InvalidValue("email_format", f"{value!r} is not a valid e-mail address ({e})") from e
    return str(result.normalized).lower()


def postcode(value: str | None, country_code: str | None) -> str | None:
    """The postcode in its country's normal form (``SW1A 1AA``, ``94326-1234``, ``D02 X285``), checked
    against that country's pattern; a country without a rule (or no country) gives tidy upper-case text."""
    value = text(value)
    if value is None:
        return None
    rule = POSTCODES.get(country_code or "")
    if rule is None:
        return value.upper()
    compact = re.sub(r"[\s-]", "", value.upper())
    match = rule.pattern.fullmatch(compact)
    if match is None:
        raise InvalidValue("postcode_format", f"{value!r} is not a {rule.name}")
    return rule.separator.join(part for part in match.groups() if part)


def country(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 from a name, a common abbreviation or a code (``United Kingdom`` -> ``GB``)."""
    value = text(value)
    if value is None:
        return None
    key = value.upper()
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    if len(key) == 2 and key.isalpha():
        return "GB" if key == "UK" else key if key in _ALPHA2 else _unknown_country(value)
    return _unknown_country(value)


def _unknown_country(value: str) -> str:
    raise InvalidValue("country_format", f"{value!r} is not a known country")


def website(value: str | None) -> str | None:
    """An ``http(s)`` URL with a lower-case host and no trailing slash; a bare host gets ``https://``."""
    value = text(value)
    if value is None:
        return None
    match = re.match(r"^(?:(https?)://)?([^/\s:?#]+\.[^/\s:?#]+)(:\d+)?([/?#]\S*)?$", value, re.IGNORECASE)
    if not match:
        raise InvalidValue("url_format", f"{value!r} is not a web address")
    scheme, host, port, rest = match.groups()
    rest = (rest or "").rstrip("/")
    return f"{(scheme or 'https').lower()}://{host.lower()}{port or ''}{rest}"


def fold(value: str | None) -> str | None:
    """:func:`text`, then lower case without accents (NFKD), apostrophes and dots dropped, other punctuation
    as single spaces: the form names, streets and places are compared in.

    >>> fold("  Zoë O'Brien-Smith ")
    'zoe obrien smith'
    """
    value = text(value)
    if value is None:
        return None
    if value.isascii():  # fast path: most data needs no Unicode decomposition
        stripped = value.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", value)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    stripped = _DROP_CHARS.sub("", stripped)
    words = _SPACES.sub(" ", _NON_WORD.sub(" ", stripped)).strip()
    return words or None


#: Street words -> abbreviation (Australia Post / USPS / Royal Mail style), folded. Every country that
#: writes its addresses in English shares them.
_ENGLISH_STREET_WORDS: Final[dict[str, str]] = {
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
#: Street abbreviations per country (ISO alpha-2); see :func:`street_abbreviations`.
STREET_ABBREVIATIONS: Final[dict[str, dict[str, str]]] = {
    code: _ENGLISH_STREET_WORDS for code in ("GB", "IM", "JE", "GG", "IE", "US", "CA", "AU", "NZ")
}
#: Full state names -> abbreviation per country, folded.
STATE_ABBREVIATIONS: Final[dict[str, dict[str, str]]] = {
    "AU": {
        "new south wales": "nsw", "victoria": "vic", "queensland": "qld", "western australia": "wa",
        "south australia": "sa", "tasmania": "tas", "australian capital territory": "act",
        "northern territory": "nt",
    },
    "US": {"california": "ca", "new york": "ny", "texas": "tx", "florida": "fl"},
}  # fmt: skip
_EVERY_STATE: Final = {name: code for names in STATE_ABBREVIATIONS.values() for name, code in names.items()}


def street_abbreviations(country_code: str | None) -> dict[str, str]:
    """The street words of ``country_code`` and their abbreviations (folded); without a country, or for one
    without its own table, the English words every table here shares."""
    return STREET_ABBREVIATIONS.get(country_code or "", _ENGLISH_STREET_WORDS)


def state_abbreviations(country_code: str | None) -> dict[str, str]:
    """Full state names of ``country_code`` and their abbreviations (folded); without a country, every
    country's (no two share a name)."""
    if country_code is not None:
        return STATE_ABBREVIATIONS.get(country_code, {})
    return _EVERY_STATE
