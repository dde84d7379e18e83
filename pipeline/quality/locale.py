"""Where a record is read: the country its national phone numbers and postcodes belong to, and the currency.

The firm's home locale comes from the settings (``C360_HOME_COUNTRY``, ``C360_HOME_CURRENCY``); a source may
name its own ``country`` and ``currency`` in ``sources.toml`` (a directory of Australian businesses), and a
record's own address country comes first. Nothing below picks a country on its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError
from pipeline.quality import standardise

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["Locale", "home_locale", "record_country", "source_locale"]


@dataclass(frozen=True)
class Locale:
    """An ISO 3166-1 alpha-2 country (``GB``) and an ISO 4217 currency (``GBP``)."""

    country: str
    currency: str

    def __post_init__(self) -> None:
        try:
            known = standardise.country(self.country) == self.country
        except standardise.InvalidValue:
            known = False
        if not known:
            raise ConfigError(f"country {self.country!r} is not an ISO 3166-1 alpha-2 code such as GB")
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ConfigError(f"currency {self.currency!r} is not an ISO 4217 code such as GBP")


def home_locale(settings: Settings | None = None) -> Locale:
    """The firm's own country and currency, from the settings (the process-wide ones when none are given)."""
    if settings is None:
        from settings import get_settings  # late, so tests can point C360_* elsewhere

        settings = get_settings()
    return Locale(settings.home_country.upper(), settings.home_currency.upper())


def source_locale(name: str, options: Mapping[str, Any], home: Locale) -> Locale:
    """A source's locale: its own ``country``/``currency`` options (any spelling ``country`` reads), else home."""
    country = options.get("country")
    currency = options.get("currency")
    try:
        code = standardise.country(country) if isinstance(country, str) else None
    except standardise.InvalidValue as e:
        raise ConfigError(f"source {name!r}: country: {e}") from e
    if country is not None and code is None:
        raise ConfigError(f"source {name!r}: country must be a country name or code, got {country!r}")
    return Locale(code or home.country, str(currency).upper() if currency else home.currency)


def record_country(address_country: str | None, locale: Locale) -> str:
    """A record's country: the one its address names, else its source's (which is the home one by default)."""
    return address_country or locale.country
