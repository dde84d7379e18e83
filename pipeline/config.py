"""The sources config (``sources.toml``): which sources the pipeline reads, and how.

Each ``[[sources]]`` table has ``name``, ``type`` (a key of ``pipeline.connectors.CONNECTORS``),
an optional ``path`` relative to the config file, and any reader options. A source must declare its
``lawful_basis`` (GDPR Art. 6) and confirm ``terms_of_service``; one that does not refuses to run. A
source of another country than the firm's names it: ``country = "AU"`` (national phone numbers and
postcodes of its records are read for it, unless a record's own address names another country).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.money import CurrencyError, currency_code, home_currency
from pipeline.quality import standardise
from pipeline.records import SourceConfig

REQUIRED = ("name", "type", "lawful_basis")
#: Source names the platform keeps for itself: ``api`` holds the records written through the REST API.
RESERVED_NAMES = frozenset({"api"})
#: Source types whose records carry money (sales, payments): their books must be in the reporting currency.
MONEY_TYPES = frozenset({"quickbooks_export", "quickbooks_api"})


def load_sources(path: Path, reporting_currency: str | None = None) -> list[SourceConfig]:
    """Read and check the sources config at ``path`` (money sources against ``reporting_currency``, by
    default the settings' home currency)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"sources config not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"sources config {path} is not valid TOML: {e}") from e
    entries: list[dict[str, Any]] = data.get("sources", [])
    if not entries:
        raise ConfigError(f"sources config {path} lists no [[sources]]")
    sources = [_source(entry, path.parent, i) for i, entry in enumerate(entries, start=1)]
    _check_currencies(sources, home_currency(reporting_currency))
    names = [s.name for s in sources]
    reserved = sorted(RESERVED_NAMES.intersection(names))
    if reserved:
        raise ConfigError(
            f"sources config {path}: the source name {reserved[0]!r} is reserved for records written through "
            "the REST API; give the source another name"
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"sources config {path}: source names must be unique, got {names}")
    return sources


def _source(entry: dict[str, Any], base: Path, position: int) -> SourceConfig:
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise ConfigError(f"source #{position} ({entry.get('name', '?')}) is missing {', '.join(missing)}")
    terms = entry.get("terms_of_service")
    if terms is not True and not (isinstance(terms, str) and terms.strip()):
        raise ConfigError(
            f"source {entry['name']!r} does not confirm terms_of_service; once its terms have been checked, "
            "set terms_of_service to true or to a note of which terms apply"
        )
    country = entry.get("country")
    try:
        if country is not None and (not isinstance(country, str) or standardise.country(country) is None):
            raise standardise.InvalidValue("country_format", f"{country!r} is not a country")
    except standardise.InvalidValue as e:
        raise ConfigError(f"source {entry['name']!r}: country: {e}") from e
    options = {k: v for k, v in entry.items() if k not in ("name", "type", "path")}
    path = (base / entry["path"]).resolve() if entry.get("path") else None
    return SourceConfig(name=str(entry["name"]), type=str(entry["type"]), path=path, options=options)


def _check_currencies(sources: list[SourceConfig], reporting: str) -> None:
    """Every ``currency`` option is an ISO 4217 code, and a money source's is the reporting currency."""
    for source in sources:
        value = source.options.get("currency")
        if value is None:
            continue
        try:
            code = currency_code(value) if isinstance(value, str) else currency_code(repr(value))
        except CurrencyError as e:
            raise ConfigError(f"source {source.name!r}: currency: {e}") from e
        if source.type in MONEY_TYPES and code != reporting:
            raise ConfigError(
                f"source {source.name!r} keeps its books in {code}, but the warehouse reports every amount in "
                f"{reporting} (C360_HOME_CURRENCY) and cannot add {code} to {reporting}: set "
                f"C360_HOME_CURRENCY={code} if every source's books are in {code}, or remove the source's "
                f"currency option if its books are in {reporting}"
            )
