"""Standardise identity fields at staging, so every source writes phones, e-mails and places one way.

Each function takes what a source holds and returns the standard form, ``None`` for an empty value, or
raises :class:`InvalidValue` naming the rule broken (``phone_format``, ``email_format`` ...). Stagers turn
that into ``Rejected`` with the source's field name.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

logger = logging.getLogger(__name__)

__all__ = ["InvalidValue", "country", "email", "phone", "postcode", "text", "website"]

_SPACES: Final = re.compile(r"\s+")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_UK_POSTCODE: Final = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_COUNTRIES: Final = {
    "UNITED KINGDOM": "GB", "UK": "GB", "U.K.": "GB", "GREAT BRITAIN": "GB", "BRITAIN": "GB", "ENGLAND": "GB",
    "SCOTLAND": "GB", "WALES": "GB", "NORTHERN IRELAND": "GB", "GBR": "GB", "UNITED KINGDOM OF GREAT BRITAIN AND "
    "NORTHERN IRELAND": "GB", "IRELAND": "IE", "REPUBLIC OF IRELAND": "IE", "EIRE": "IE", "ÉIRE": "IE", "IRL": "IE",
    "FRANCE": "FR", "FRA": "FR", "GERMANY": "DE", "DEU": "DE", "SPAIN": "ES", "ESP": "ES", "NETHERLANDS": "NL",
    "NLD": "NL", "BELGIUM": "BE", "ITALY": "IT", "UNITED STATES": "US", "USA": "US", "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US", "ISLE OF MAN": "IM", "JERSEY": "JE", "GUERNSEY": "GG",
}  # fmt: skip
_ALPHA2: Final = frozenset(phonenumbers.SUPPORTED_REGIONS)


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


def phone(value: str | None, region: str = "GB") -> str | None:
    """E.164 (``+442079460123``) for any way of writing a valid number; ``region`` for national forms."""
    value = text(value)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as e:
        raise InvalidValue("phone_format", f"{value!r} is not a phone number ({e})") from e
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("phone_format", f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value: str | None) -> str | None:
    """A syntactically valid address, lower-cased (no DNS look-up)."""
    value = text(value)
    if value is None:
        return None
    if value.lower().startswith("mailto:"):
        value = value[7:]
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise InvalidValue("email_format", f"{value!r} is not a valid e-mail address ({e})") from e
    return str(result.normalized).lower()


def postcode(value: str | None, country_code: str | None = "GB") -> str | None:
    """UK postcodes upper-case with one space before the inward code (``SW1A 1AA``); others tidied."""
    value = text(value)
    if value is None:
        return None
    compact = value.upper().replace(" ", "")
    if country_code not in (None, "GB"):
        return value.upper()
    if not _UK_POSTCODE.match(compact):
        raise InvalidValue("postcode_format", f"{value!r} is not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


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
