"""Columns derived from standardised records (polars): identifying keys, business-name prefix, web domain."""

from __future__ import annotations

import logging

import polars as pl

from pipeline.identity.business import NAME_ONLY
from pipeline.identity.comparisons import AREA_CHARACTERS
from pipeline.identity.model import FORMAL_GIVEN_NAME, KEY_COLUMNS
from pipeline.identity.nicknames import formal_names
from pipeline.identity.standardise import FREE_MAIL_DOMAINS

logger = logging.getLogger(__name__)

#: Identifiers whose absence makes a record name-only (only its names, maybe its rep, say who it is).
IDENTIFIERS = ("email", "phone", "street", "postcode")


def holder_names(columns: list[str]) -> pl.Expr | None:
    """Who a record says it is (business name, else the person's name), to tell a shared value from a repeated one."""
    person = None
    if "family_name" in columns:
        person = pl.col("family_name")
        if "given_name" in columns:
            person = pl.concat_str([pl.col("given_name").fill_null(""), pl.lit(" "), person])
    if "business_name" in columns:
        return pl.col("business_name") if person is None else pl.col("business_name").fill_null(person)
    return person


def with_keys(std: pl.DataFrame, max_shared: int) -> pl.DataFrame:
    """Add ``*_key`` columns, the formal given name, a business-name prefix, the postcode area, the company
    web domain and the name-only flag.

    A value is a key unless more than ``max_shared`` different names hold it (a switchboard
    number, an agency's ``info@``); one customer's 30 activity rows with one e-mail still key.
    Without any name column, more than ``max_shared`` records holding it is the test.
    """
    names = holder_names(std.columns)
    if names is not None:
        std = std.with_columns(names.alias("__holder"))
    for field, key in KEY_COLUMNS.items():
        if field not in std.columns:
            continue
        if names is None:
            holders = pl.len().over(field)
        else:
            holders = pl.col("__holder").drop_nulls().n_unique().over(field)
        std = std.with_columns(
            pl.when(pl.col(field).is_not_null() & (holders > max_shared))
            .then(None)
            .otherwise(pl.col(field))
            .alias(key)
        )
        shared = int(std[field].is_not_null().sum()) - int(std[key].is_not_null().sum())
        if shared:
            logger.info(
                "%d records hold a %s shared by more than %d names: not used as a key",
                shared,
                field,
                max_shared,
            )
    if names is not None:
        std = std.drop("__holder")
    if "business_name" in std.columns:
        std = std.with_columns(business_name_prefix=pl.col("business_name").str.slice(0, 4))
    if "given_name" in std.columns:
        std = std.with_columns(formal_names(pl.col("given_name")).alias(FORMAL_GIVEN_NAME))
    if "postcode" in std.columns:  # a ZIP+4 blocks with its ZIP
        std = std.with_columns(postcode_area=pl.col("postcode").str.slice(0, AREA_CHARACTERS))
    if "email" in std.columns:
        domain = pl.col("email").str.split_exact("@", 1).struct.field("field_1")
        std = std.with_columns(
            email_domain=pl.when(domain.is_in(list(FREE_MAIL_DOMAINS))).then(None).otherwise(domain)
        )
    if "account_owner" in std.columns:
        ids = [c for c in IDENTIFIERS if c in std.columns]
        flag = pl.all_horizontal([pl.col(c).is_null() for c in ids]) if ids else pl.lit(True)
        std = std.with_columns(flag.alias(NAME_ONLY))
    return std
