"""Turn an input frame into the standardised frame the matcher reads: one column per identity field.

Whole columns are standardised by polars expressions (``vectorised.py``) that give exactly what the
per-record functions of ``standardise.py`` give; values that are not printable ASCII still go through
those functions, once per distinct value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import numpy.typing as npt
import pandas as pd
import polars as pl

from pipeline.identity import standardise as std
from pipeline.identity.errors import RegionError
from pipeline.identity.fields import IDENTITY_FIELDS, RECORD_ID, FieldMap
from pipeline.identity.vectorised import as_polars, standardise_column
from pipeline.quality import standardise as quality

logger = logging.getLogger(__name__)

Standardiser = Callable[[str | None], str | None]

#: Standardiser per identity field (those read for a country, and dates, are bound in ``standardisers``).
_FIXED: Final[dict[str, Standardiser]] = {
    "given_name": std.normalise_name,
    "family_name": std.normalise_name,
    "business_name": std.normalise_business_name,
    "email": std.normalise_email,
    "street_number": std.digits,
    "city": std.normalise_city,
    "national_id": std.normalise_token,
    "source_id": std.normalise_token,
    "account_owner": std.normalise_owner,
}
#: Identity fields read for a country: with a ``country`` column, each record's are read for its own.
COUNTRY_FIELDS: Final = frozenset({"phone", "postcode", "street", "state"})


def standardisers(region: str | None, day_first: bool = True) -> dict[str, Standardiser]:
    """The standardiser for each identity field, with the country (``region``) and date order bound.

    Without a region there is no phone standardiser (``standardise_columns`` refuses mapped phones), and
    postcodes, streets and states are read by the rules every country shares.
    """
    out = dict(_FIXED)
    out["postcode"] = partial(std.normalise_postcode, country=region)
    out["street"] = partial(std.normalise_street, country=region)
    out["state"] = partial(std.normalise_state, country=region)
    if region is not None:
        out["phone"] = partial(std.normalise_phone, region=region)
    out["date_of_birth"] = partial(std.normalise_date, day_first=day_first)
    return out


def standardise_frame(
    df: pd.DataFrame,
    fields: FieldMap,
    *,
    region: str | None,
    day_first: bool = True,
    frame_name: str = "input",
) -> pd.DataFrame:
    """Standardised copy of ``df``: ``record_id`` plus one string column per mapped identity field.

    Values that are present but cannot be standardised (an impossible date, a phone with too
    few digits, an e-mail without a domain) become missing; their count and an example record
    are logged as a warning so nothing disappears unseen.
    """
    std = standardise_columns(df, fields, region=region, day_first=day_first, frame_name=frame_name)
    out = pd.DataFrame({RECORD_ID: record_ids(df, fields)})
    for field in std.columns:
        out[field] = std[field].to_pandas().astype("string")
    return out


def _unused(text: str | None) -> str | None:
    raise AssertionError("no standardiser for this field")  # phones without a region are refused first


def record_ids(df: pd.DataFrame, fields: FieldMap) -> npt.NDArray[Any]:
    """The record id of each row: the mapped column, else the row position."""
    if fields.record_id is not None:
        return df[fields.record_id].to_numpy()
    return pd.RangeIndex(len(df)).to_numpy()


def standardise_columns(
    df: pd.DataFrame,
    fields: FieldMap,
    *,
    region: str | None,
    day_first: bool = True,
    frame_name: str = "input",
) -> pl.DataFrame:
    """``standardise_frame`` as a polars frame of the identity fields only (rows in ``df``'s order).

    ``region`` is the country of phone numbers written without a country code, of postcodes, streets
    and states; with ``fields.country`` mapped, each record's own country (when it has one) is read
    instead, country by country. A phone with neither is refused (``RegionError``) rather than read as
    some default country's.
    """
    fields.validate(df, frame_name=frame_name)
    countries = record_countries(df, fields, region=region, frame_name=frame_name)
    if "phone" in fields.present():
        _refuse_phones_without_country(df, fields, countries, region=region, frame_name=frame_name)
    funcs = standardisers(region, day_first)
    mapped = fields.mapped()
    columns: dict[str, pl.Series] = {}
    for field in IDENTITY_FIELDS:
        if field not in mapped:
            continue
        raw = as_polars(df[mapped[field]])
        if countries is not None and field in COUNTRY_FIELDS:
            text, standardised = _by_country(field, raw, countries, day_first=day_first)
        else:
            text, standardised = standardise_column(
                field, raw, funcs.get(field, _unused), region=region, day_first=day_first
            )
        lost = (text.is_not_null() & standardised.is_null()).to_numpy()
        if lost.any():
            first = int(lost.nonzero()[0][0])
            logger.warning(
                "%s: %d value(s) of %s (column %r) could not be standardised and count as missing; "
                "e.g. record %r value %r",
                frame_name,
                int(lost.sum()),
                field,
                mapped[field],
                record_ids(df, fields)[first],
                text[first],
            )
        columns[field] = standardised.alias(field)
    return pl.DataFrame(columns)


def record_countries(
    df: pd.DataFrame, fields: FieldMap, *, region: str | None, frame_name: str = "input"
) -> pl.Series | None:
    """Each record's country (ISO alpha-2) from the mapped ``country`` column, else ``region``; ``None``
    when no country column is mapped. A value no country has (``Atlantis``) is read as ``region`` and logged."""
    if fields.country is None:
        return None
    raw = as_polars(df[fields.country])
    codes: dict[str, str | None] = {}
    unknown: list[str] = []
    for value in raw.drop_nulls().unique(maintain_order=True).to_list():
        try:
            codes[value] = quality.country(value)
        except quality.InvalidValue:
            codes[value] = None
            unknown.append(value)
    if unknown:
        rows = raw.is_in(unknown).to_numpy()
        first = int(rows.nonzero()[0][0])
        logger.warning(
            "%s: %d record(s) name a country that is not known (column %r) and are read for the region %s; "
            "e.g. record %r value %r",
            frame_name,
            int(rows.sum()),
            fields.country,
            region,
            record_ids(df, fields)[first],
            raw[first],
        )
    return raw.replace_strict(codes, default=None, return_dtype=pl.String).fill_null(region).alias("country")


def _refuse_phones_without_country(
    df: pd.DataFrame,
    fields: FieldMap,
    countries: pl.Series | None,
    *,
    region: str | None,
    frame_name: str,
) -> None:
    """``RegionError`` when a phone number has no country to be read for (no region, no record country)."""
    if region is not None:
        return
    if countries is None:
        raise RegionError(
            f"{frame_name}: phone numbers are mapped (column {fields.phone!r}) but no region was given, so "
            "numbers without a country code cannot be read without guessing a country; set "
            "MatchSettings.region (CLI: --region, e.g. --region US)"
        )
    phones = as_polars(df[fields.phone]).str.strip_chars().fill_null("") != ""
    orphans = (phones & countries.is_null()).to_numpy()
    if orphans.any():
        first = int(orphans.nonzero()[0][0])
        raise RegionError(
            f"{frame_name}: record {record_ids(df, fields)[first]!r} has a phone number (column {fields.phone!r}) "
            f"but no country (column {fields.country!r}) and no region was given; set MatchSettings.region "
            "(CLI: --region, e.g. --region US)"
        )


def _by_country(
    field: str, raw: pl.Series, countries: pl.Series, *, day_first: bool
) -> tuple[pl.Series, pl.Series]:
    """``standardise_column`` for the records of each country in turn (vectorised within each), in row order."""
    rows = pl.DataFrame({"raw": raw, "country": countries}).with_row_index("row")
    texts: list[pl.DataFrame] = []
    for (country,), group in rows.group_by("country", maintain_order=True):
        code = None if country is None else str(country)
        if field == "phone" and code is None:  # no phone here: ``_refuse_phones_without_country`` checked
            texts.append(pl.DataFrame({"row": group["row"], "text": group["raw"], "clean": group["raw"]}))
            continue
        text, clean = standardise_column(
            field,
            group["raw"],
            standardisers(code, day_first).get(field, _unused),
            region=code,
            day_first=day_first,
        )
        texts.append(pl.DataFrame({"row": group["row"], "text": text, "clean": clean}))
    both = pl.concat(texts).sort("row") if texts else pl.DataFrame({"text": raw, "clean": raw})
    return both["text"].alias("text"), both["clean"].alias(field)
