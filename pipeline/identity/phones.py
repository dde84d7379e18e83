"""Phones over whole columns: the quality layer's E.164 of a valid number, exactly, for many numbers fast.

``standardise.normalise_phone`` (``pipeline.quality.standardise.phone``: parse for the region, keep valid
numbers only) costs ~40 µs a number. Numbers sharing their first four characters and length almost always
follow one rule (strip the trunk prefix, prepend the country code), so per such group three are parsed
and, where the three agree, the rule gives the others' country code and national number in one
expression; their validity is then read from phonenumbers' own metadata (the regions of the country code,
each with its number patterns and lengths) as polars regular expressions, the way
``phonenumbers.is_valid_number`` reads it. Any other key goes through ``normalise_phone``.
``tests/unit/identity/test_vectorised.py`` checks the result equals ``normalise_phone`` key by key.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt
import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

from pipeline.identity.standardise import normalise_phone

logger = logging.getLogger(__name__)

__all__ = ["normalise_phone_keys", "valid_national_numbers"]

#: The number types ``phonenumbers`` tries before fixed line and mobile (``_number_type_helper``).
_TYPES: Final = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail", "fixed_line",
)  # fmt: skip
_ASCII_KEY: Final = r"^\+?[0-9]+$"
_ASCII_KEY_RE: Final = re.compile(_ASCII_KEY)


def _candidate(key: str, region: str) -> tuple[int, str] | None:
    """(country code, national significant number) as phonenumbers parses ``key``, valid or not."""
    try:
        number = phonenumbers.parse(key, region)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code is None:
        return None
    return number.country_code, phonenumbers.national_significant_number(number)


def _rule(keys: list[str], region: str) -> tuple[int, str, int] | None:
    """(country code, national prefix, characters skipped) that turns each of three keys into its parse."""
    if len(keys) < 3:
        return None
    rules = set()
    for key in keys:
        parsed = _candidate(key, region) if _ASCII_KEY_RE.match(key) else None
        if parsed is None:
            return None
        cc, nsn = parsed
        skip = next((k for k in range(len(key) - 5) if nsn.endswith(key[k:])), None)
        if skip is None:
            return None
        rules.add((cc, nsn[: len(nsn) - (len(key) - skip)], skip))
    return rules.pop() if len(rules) == 1 else None


def _matches(nsn: pl.Series, desc: object) -> npt.NDArray[np.bool_]:
    """``phonenumberutil._is_number_matching_desc`` over a column: one of the lengths, the whole pattern."""
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return np.zeros(len(nsn), dtype=bool)
    lengths = list(getattr(desc, "possible_length", ()) or ())
    found = nsn.str.contains(f"^(?:{pattern})$")
    if lengths:
        found = found & nsn.str.len_chars().is_in(lengths)
    return found.to_numpy().astype(bool)


def _known(nsn: pl.Series, metadata: PhoneMetadata) -> npt.NDArray[np.bool_]:
    """``_number_type_helper(...) != UNKNOWN`` over a column: the general pattern and one number type's."""
    known = np.zeros(len(nsn), dtype=bool)
    for name in _TYPES:
        known |= _matches(nsn, getattr(metadata, name))
    if not metadata.same_mobile_and_fixed_line_pattern:
        known |= _matches(nsn, metadata.mobile)
    return known & _matches(nsn, metadata.general_desc)


@cache
def _regions(cc: int) -> tuple[str, ...]:
    return tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc, ()))


def valid_national_numbers(nsn: pl.Series, cc: int) -> npt.NDArray[np.bool_]:
    """``phonenumbers.is_valid_number`` for national significant numbers (ASCII digits) of country code ``cc``.

    The number's region is the only region of ``cc``, else the first whose leading digits it starts with
    or whose number types it fits (``region_code_for_number``); it is valid if it fits one of that
    region's number types.
    """
    regions = _regions(cc)
    if len(regions) == 1:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0].upper())
        return np.zeros(len(nsn), dtype=bool) if metadata is None else _known(nsn, metadata)
    valid = np.zeros(len(nsn), dtype=bool)
    undecided = np.ones(len(nsn), dtype=bool)
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None or not undecided.any():
            continue
        rows = np.flatnonzero(undecided)
        sub = nsn.gather(rows)
        known = _known(sub, metadata)
        if metadata.leading_digits is not None:
            chosen = sub.str.contains(f"^(?:{metadata.leading_digits})").to_numpy().astype(bool)
            valid[rows[chosen & known]] = True
        else:
            chosen = known
            valid[rows[chosen]] = True
        undecided[rows[chosen]] = False
    return valid


def normalise_phone_keys(keys: pl.Series, region: str) -> pl.DataFrame:
    """``normalise_phone`` over distinct punctuation-free keys (in first-seen order): columns ``key``, ``e164``."""
    frame = pl.DataFrame({"key": keys.cast(pl.String)}).with_columns(
        p4=pl.col("key").str.slice(0, 4), n=pl.col("key").str.len_chars()
    )
    frame = frame.with_columns(rank=pl.int_range(pl.len()).over("p4", "n"))
    samples = frame.filter(pl.col("rank") < 3)
    rules: list[tuple[str, int, int, str, int]] = []
    for p4, n, members in samples.group_by("p4", "n", maintain_order=True).agg("key").iter_rows():
        rule = _rule(list(members), region)
        if rule is not None:
            rules.append((p4, n, *rule))
    rule_frame = pl.DataFrame(
        rules,
        schema={
            "p4": pl.String,
            "n": frame["n"].dtype,
            "cc": pl.Int64,
            "prefix": pl.String,
            "skip": pl.Int64,
        },
        orient="row",
    )
    rest = frame.filter(pl.col("rank") >= 3).join(
        rule_frame, on=["p4", "n"], how="left", maintain_order="left"
    )
    by_rule = rest["cc"].is_not_null() & rest["key"].str.contains(_ASCII_KEY)
    fast = rest.filter(by_rule).select(
        "key", "cc", nsn=pl.concat_str([pl.col("prefix"), pl.col("key").str.slice(pl.col("skip"))])
    )
    parts = []
    for cc in fast["cc"].unique(maintain_order=True).to_list():
        group = fast.filter(pl.col("cc") == cc)
        valid = pl.Series(valid_national_numbers(group["nsn"], cc))
        e164 = pl.concat_str([pl.lit(f"+{cc}"), pl.col("nsn")])
        parts.append(group.select("key", e164=pl.when(valid).then(e164)))
    slow = pl.concat([samples.select("key"), rest.filter(~by_rule).select("key")])
    keys_slow = slow["key"].to_list()
    parts.append(
        pl.DataFrame(
            {
                "key": pl.Series(keys_slow, dtype=pl.String),
                "e164": [normalise_phone(k, region) for k in keys_slow],
            },
            schema={"key": pl.String, "e164": pl.String},
        )
    )
    return pl.concat(parts)
