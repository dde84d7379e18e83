"""Whole-column standardisers in polars expressions, giving exactly what ``standardise.py`` gives per record.

Printable-ASCII values (nearly all of them) go through polars expressions written to the same rules
(e-mails only when they are plainly valid, phones through ``phones.py``); any other value (accents,
other scripts, control characters, Unicode digits or spaces, an e-mail the expression cannot vouch
for) goes through the per-record function, once per distinct value, so awkward input keeps its exact
result. A property test (``tests/unit/identity/test_vectorised.py``) checks the two agree.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Final

import pandas as pd
import polars as pl
import pyarrow as pa

from pipeline.identity import standardise as std
from pipeline.identity.errors import RegionError
from pipeline.identity.phones import normalise_phone_keys
from pipeline.quality import standardise as quality

logger = logging.getLogger(__name__)

#: Values the expressions handle: printable ASCII only (no tabs, newlines or other control characters).
SIMPLE: Final = r"^[ -~]*$"
_NOISE: Final = r"\b(?:" + "|".join(sorted(std.BUSINESS_NOISE_WORDS, key=len, reverse=True)) + r")\b"
#: Fields whose values rarely repeat: standardised row by row rather than once per distinct value.
MOSTLY_DISTINCT: Final = frozenset({"email", "street", "national_id", "source_id"})
_PHONE_PUNCTUATION: Final = re.compile(r"[\s\-().]")
_SEP: Final = "[-/. ]"
_PART: Final = "([0-9]+)"

Standardiser = Callable[[str | None], str | None]


def as_polars(column: pd.Series) -> pl.Series:
    """Raw values as polars strings, missing as null, unstripped; integral floats (CSV postcodes) lose ``.0``.

    Non-string objects become ``str(value)``, as ``pandas.Series.astype("string")`` makes them.
    """
    if pd.api.types.is_float_dtype(column.dtype):
        column = column.map(
            lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v))
        )
    if not (
        isinstance(column.dtype, pd.StringDtype)
        or pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")
    ):
        column = column.astype("string")
    return pl.from_arrow(pa.array(column, type=pa.large_string(), from_pandas=True))  # type: ignore[return-value]


def _none_if_empty(e: pl.Expr) -> pl.Expr:
    return pl.when(e == "").then(None).otherwise(e)


def fold(e: pl.Expr) -> pl.Expr:
    """``standardise.fold`` for ASCII: lower-case, drop ``' . ` ``, other non-alphanumeric runs to one space."""
    words = (
        e.str.to_lowercase()
        .str.replace_all(r"['.`]", "")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars(" ")
    )
    return _none_if_empty(words)


def _business_name(e: pl.Expr) -> pl.Expr:
    folded = fold(e.str.replace_all("&", " and ", literal=True))
    kept = folded.str.replace_all(_NOISE, "").str.replace_all(" +", " ").str.strip_chars(" ")
    return pl.when(kept == "").then(folded).otherwise(kept)


def _bare_email(e: pl.Expr) -> pl.Expr:
    lower = e.str.to_lowercase()
    return pl.when(lower.str.starts_with("mailto:")).then(lower.str.slice(7)).otherwise(lower)


def _plain_email(e: pl.Expr) -> pl.Expr:
    """Addresses whose canonical form (``quality.email``) is their lower-cased text without ``mailto:``."""
    bare = _bare_email(e)
    parts = bare.str.split_exact("@", 1)
    local, domain = parts.struct.field("field_0"), parts.struct.field("field_1")
    return (
        bare.str.contains(quality.PLAIN_EMAIL)
        & (local.str.len_bytes() <= 64)
        & (bare.str.len_bytes() <= 254)
        & ~domain.str.contains("--", literal=True)
        & ~domain.str.extract(r"\.([a-z]+)$", 1).is_in(sorted(quality.SPECIAL_TLDS))
    )


def _email(e: pl.Expr) -> pl.Expr:
    """``standardise.email_key`` of the canonical address (for addresses ``_plain_email`` accepts)."""
    return _bare_email(e).map_batches(_email_parts, return_dtype=pl.String)


def _email_parts(bare: pl.Series) -> pl.Series:
    """Local part up to any ``+`` and domain; Gmail local parts lose dots; no local part left is null."""
    parts = pl.DataFrame({"bare": bare}).with_columns(
        local=pl.col("bare").str.extract(r"^([^@+]*)", 1),
        domain=pl.col("bare").str.extract(r"@([^@]*)$", 1).replace("googlemail.com", "gmail.com"),
    )
    local = pl.when(pl.col("domain") == "gmail.com").then(
        pl.col("local").str.replace_all(".", "", literal=True)
    )
    parts = parts.with_columns(local=local.otherwise(pl.col("local")))
    return parts.select(
        pl.when(pl.col("bare").is_not_null() & (pl.col("local") != "")).then(
            pl.concat_str("local", pl.lit("@"), "domain")
        )
    ).to_series()


def _alnum_upper(e: pl.Expr) -> pl.Expr:
    return _none_if_empty(e.str.replace_all("[^0-9A-Za-z]", "").str.to_uppercase())


def _postcode(e: pl.Expr, country: str | None) -> pl.Expr:
    """``standardise.normalise_postcode``: the compact form if it fits ``country``'s rule (the quality
    layer's own pattern, run per distinct value), else null; without a rule, letters and digits."""
    rule = quality.POSTCODES.get(country or "")
    if rule is None:
        return _alnum_upper(e)
    compact = e.str.to_uppercase().str.replace_all(r"[\s-]", "")

    def fits(values: pl.Series) -> pl.Series:
        return pl.Series(
            [v is not None and rule.pattern.fullmatch(v) is not None for v in values], dtype=pl.Boolean
        )

    return pl.when(compact.map_batches(fits, return_dtype=pl.Boolean)).then(compact)


def _street(e: pl.Expr, country: str | None) -> pl.Expr:
    """Fold, then abbreviate whole words: each word gets its own pair of spaces, so matches never overlap."""
    words = {f" {k} ": f" {v} " for k, v in quality.street_abbreviations(country).items() if k != v}
    spaced = pl.concat_str(pl.lit(" "), fold(e).str.replace_all(" ", "  ", literal=True), pl.lit(" "))
    abbreviated = spaced.str.replace_many(list(words), list(words.values()))
    return abbreviated.str.replace_all("  ", " ", literal=True).str.strip_chars(" ")


def _int(e: pl.Expr) -> pl.Expr:
    """A digit string as an integer; more than 9 significant digits (never a valid date part) as null."""
    significant = e.str.strip_chars_start("0")
    return (
        pl.when(e.is_null() | (significant.str.len_bytes() > 9))
        .then(None)
        .when(significant == "")
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(significant.cast(pl.Int64, strict=False))
    )


def _date(e: pl.Expr, day_first: bool) -> pl.Expr:
    text = e.str.strip_chars(" ")
    eight = text.str.extract(rf"^{_SEP}*([0-9]{{8}}){_SEP}*$", 1)
    three = rf"^{_SEP}*{_PART}{_SEP}+{_PART}{_SEP}+{_PART}{_SEP}*$"
    p0, p1, p2 = (text.str.extract(three, i) for i in (1, 2, 3))
    first, second = (p0, p1) if day_first else (p1, p0)
    y = pl.when(eight.is_not_null()).then(eight.str.slice(0, 4)).when(p0.str.len_bytes() == 4).then(p0)
    y = y.when(p2.str.len_bytes() == 4).then(p2)
    m = pl.when(eight.is_not_null()).then(eight.str.slice(4, 2)).when(p0.str.len_bytes() == 4).then(p1)
    m = m.when(p2.str.len_bytes() == 4).then(second)
    d = pl.when(eight.is_not_null()).then(eight.str.slice(6, 2)).when(p0.str.len_bytes() == 4).then(p2)
    d = d.when(p2.str.len_bytes() == 4).then(first)
    yi, mi, di = _int(y), _int(m), _int(d)
    leap = (yi % 4 == 0) & ((yi % 100 != 0) | (yi % 400 == 0))
    month_days = (
        pl.when(mi == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(mi.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = yi.is_between(1, 9999) & mi.is_between(1, 12) & (di >= 1) & (di <= month_days)
    iso = pl.concat_str(
        [
            yi.cast(pl.String).str.zfill(4),
            pl.lit("-"),
            mi.cast(pl.String).str.zfill(2),
            pl.lit("-"),
            di.cast(pl.String).str.zfill(2),
        ]
    )
    return pl.when(valid).then(iso).otherwise(None)


def handled(field: str, e: pl.Expr) -> pl.Expr | None:
    """Which stripped printable-ASCII values :func:`expression` standardises (``None``: all of them)."""
    return _plain_email(e) if field == "email" else None


def expression(field: str, e: pl.Expr, *, region: str | None, day_first: bool = True) -> pl.Expr:
    """The polars expression standardising ``field`` for stripped, non-empty printable-ASCII text that
    :func:`handled` accepts (not phones); ``region`` is the country of postcodes, streets and states."""
    if field in ("given_name", "family_name", "city"):
        return fold(e)
    if field == "business_name":
        return _business_name(e)
    if field == "email":
        return _email(e)
    if field == "postcode":
        return _postcode(e, region)
    if field in ("national_id", "source_id"):
        return _alnum_upper(e)
    if field == "street":
        return _street(e, region)
    if field == "state":
        return fold(e).replace(quality.state_abbreviations(region))
    if field == "account_owner":
        return fold(e).str.extract(r"^([^ ]+)", 1)
    if field == "street_number":
        return _none_if_empty(e.str.replace_all("[^0-9]", ""))
    if field == "date_of_birth":
        return _date(e, day_first)
    raise ValueError(f"no column standardiser for field {field!r}")


def standardise_column(
    field: str, raw: pl.Series, fn: Standardiser, *, region: str | None, day_first: bool = True
) -> tuple[pl.Series, pl.Series]:
    """(text as the matcher reads it: stripped, empty as null; its standardised value) for one field.

    ``fn`` is the per-record standardiser, used for the values the expressions do not handle (not printable
    ASCII, or an e-mail that is not plainly valid).
    """
    frame = pl.DataFrame({"raw": raw}).with_columns(
        simple=pl.col("raw").str.contains(SIMPLE).fill_null(False)
    )
    frame = frame.with_columns(
        text=_none_if_empty(
            pl.when(pl.col("simple")).then(pl.col("raw").str.strip_chars(" ")).otherwise(pl.col("raw"))
        )
    )
    odd = frame.filter(pl.col("simple").not_() & pl.col("raw").is_not_null())["raw"].unique(
        maintain_order=True
    )
    stripped = {v: (v.strip() or None) for v in odd.to_list()}
    if stripped:
        frame = frame.with_columns(
            text=pl.when(pl.col("simple"))
            .then(pl.col("text"))
            .otherwise(pl.col("raw").replace_strict(stripped, default=None, return_dtype=pl.String))
        )
    if field == "phone":
        if region is None:
            raise RegionError(
                "phone numbers are mapped but no region was given: numbers without a country code cannot be "
                "read without guessing a country; set MatchSettings.region (CLI: --region, e.g. --region US)"
            )
        clean = _phones(frame, region)
    else:
        check = handled(field, pl.col("text"))
        ours = pl.col("simple") if check is None else pl.col("simple") & check.fill_null(False)
        frame = frame.with_columns(ours=ours)
        # lazy: the optimiser evaluates sub-expressions used more than once (dates) only once
        standardised = expression(field, pl.col("text"), region=region, day_first=day_first)
        if field in MOSTLY_DISTINCT:  # row by row: a join back from distinct values would cost more
            clean = frame.lazy().select(pl.when(pl.col("ours")).then(standardised)).collect().to_series()
        else:
            distinct = (
                frame.lazy()
                .filter(pl.col("ours") & pl.col("text").is_not_null())
                .select("text")
                .unique()
                .with_columns(standardised.alias("clean"))
            )
            clean = (
                frame.lazy()
                .join(distinct, on="text", how="left", maintain_order="left")
                .select(pl.when(pl.col("ours")).then(pl.col("clean")))
                .collect()
                .to_series()
            )
        others = frame.filter(pl.col("ours").not_() & pl.col("text").is_not_null())["text"].unique()
        if len(others):
            mapping = {v: fn(v) for v in others.to_list()}
            others_clean = frame.select(
                pl.col("text").replace_strict(mapping, default=None, return_dtype=pl.String)
            ).to_series()
            clean = pl.select(pl.when(frame["ours"]).then(clean).otherwise(others_clean)).to_series()
    return frame["text"], clean.alias(field)


def _phones(frame: pl.DataFrame, region: str) -> pl.Series:
    """Phones: punctuation-free keys, then ``phones.normalise_phone_keys`` over the distinct keys."""
    odd = frame.filter(pl.col("simple").not_() & pl.col("text").is_not_null())["text"].unique().to_list()
    odd_keys = {v: _PHONE_PUNCTUATION.sub("", v) for v in odd}
    keyed = frame.select(
        key=_none_if_empty(
            pl.when(pl.col("simple"))
            .then(pl.col("text").str.replace_all(r"[ \-().]", ""))
            .otherwise(pl.col("text").replace_strict(odd_keys, default=None, return_dtype=pl.String))
        )
    )["key"]
    mapping = normalise_phone_keys(keyed.drop_nulls().unique(maintain_order=True), region)
    return pl.DataFrame({"key": keyed}).join(mapping, on="key", how="left", maintain_order="left")["e164"]
