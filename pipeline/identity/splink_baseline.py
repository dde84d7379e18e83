"""A plain Splink model, the way its documentation sets one up, to measure the engine against.

Same standardised fields as the engine (so the comparison is about matching), Splink's standard
comparisons (``NameComparison``, ``EmailComparison``, ``DateOfBirthComparison``, Levenshtein and
exact levels), equi-join blocking rules, no labels: the prior from near-certain rules, u by random
sampling, m by EM in two sessions, clusters at a match probability of 0.95. No deterministic
rules, no per-kind models, no clustering constraints.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import EMTrainingException

from pipeline.identity.clustering import cluster_ids
from pipeline.identity.engine import Resolution
from pipeline.identity.fields import RECORD_ID, FieldMap
from pipeline.identity.prepare import standardise_frame

logger = logging.getLogger(__name__)

UID = "unique_id"


@dataclass(frozen=True)
class SplinkBaselineSettings:
    """The knobs a Splink user sets: where the phone numbers are from, date order, cluster threshold."""

    region: str | None = None
    day_first: bool = True
    threshold: float = 0.95
    seed: int = 42


def _comparisons(present: frozenset[str]) -> list[ComparisonCreator | dict[str, Any]]:
    out: list[ComparisonCreator | dict[str, Any]] = []
    for name in ("given_name", "family_name"):
        if name in present:
            out.append(cl.NameComparison(name))
    if "business_name" in present:
        out.append(cl.JaroWinklerAtThresholds("business_name", [0.92, 0.8]))
    if "email" in present:
        out.append(cl.EmailComparison("email"))
    if "phone" in present:
        out.append(cl.LevenshteinAtThresholds("phone", [1, 2]))
    if "date_of_birth" in present:
        out.append(cl.DateOfBirthComparison("date_of_birth", input_is_string=True))
    for name in ("street", "national_id"):
        if name in present:
            out.append(cl.LevenshteinAtThresholds(name, [1, 3]))
    if "postcode" in present:
        out.append(cl.LevenshteinAtThresholds("postcode", [1, 2]))
    for name in ("street_number", "city", "state", "source_id"):
        if name in present:
            out.append(cl.ExactMatch(name))
    return out


_BLOCKING = (
    ("given_name", "family_name"),
    ("family_name", "date_of_birth"),
    ("email",),
    ("phone",),
    ("family_name", "postcode"),
    ("street", "postcode"),
    ("business_name",),
    ("source_id",),
    ("national_id",),
)
_PRIOR = (
    ("given_name", "family_name", "date_of_birth"),
    ("email",),
    ("phone",),
    ("business_name", "postcode"),
)
_EM = (("given_name", "family_name"), ("date_of_birth",), ("postcode",), ("city",))


def _resolve(tables: list[pd.DataFrame], present: frozenset[str], cfg: SplinkBaselineSettings) -> np.ndarray:
    """Cluster id per row of the concatenated ``tables`` (one: dedupe; two: link)."""
    con = duckdb.connect()
    try:
        db_api = DuckDBAPI(connection=con)
        frames = [
            t.assign(**{UID: np.arange(len(t)) + sum(map(len, tables[:i]))}) for i, t in enumerate(tables)
        ]
        settings = SettingsCreator(
            link_type="link_only" if len(tables) == 2 else "dedupe_only",
            unique_id_column_name=UID,
            comparisons=_comparisons(present),
            blocking_rules_to_generate_predictions=[block_on(*r) for r in _BLOCKING if set(r) <= present],
            retain_matching_columns=False,
        )
        sdfs = [db_api.register(f, dataset_display_name=n) for f, n in zip(frames, "ab", strict=False)]
        linker = Linker(sdfs if len(sdfs) == 2 else sdfs[0], settings, log_level=None)
        prior: list[str | BlockingRuleCreator] = [block_on(*r) for r in _PRIOR if set(r) <= present]
        try:
            linker.training.estimate_probability_two_random_records_match(prior, recall=0.7)
        except ValueError as e:
            logger.info("splink baseline: prior not estimated (%s)", e)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=cfg.seed)
        for rule in [r for r in _EM if set(r) <= present][:2]:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
            except (EMTrainingException, ValueError) as e:
                logger.warning("splink baseline: EM session on %s skipped: %s", rule, str(e).splitlines()[0])
        pred = linker.inference.predict(threshold_match_probability=cfg.threshold)
        edges = con.execute(f"select {UID}_l, {UID}_r from {pred.physical_name}").fetchnumpy()  # nosec B608
    finally:
        con.close()
    n = sum(map(len, tables))
    left = np.asarray(edges[f"{UID}_l"], dtype=np.int64)
    right = np.asarray(edges[f"{UID}_r"], dtype=np.int64)
    return cluster_ids(n, left, right)


def _prepared(df: pd.DataFrame, fields: FieldMap, cfg: SplinkBaselineSettings, name: str) -> pd.DataFrame:
    std = standardise_frame(df, fields, region=cfg.region, day_first=cfg.day_first, frame_name=name)
    values = std.drop(columns=[RECORD_ID]).astype(object)
    out: pd.DataFrame = values.mask(values.isna(), None).reset_index(drop=True)
    return out


def splink_dedupe(df: pd.DataFrame, fields: FieldMap, settings: SplinkBaselineSettings) -> Resolution:
    """Deduplicate ``df`` with the plain Splink model; clusters are connected components at the threshold."""
    start = time.perf_counter()
    cluster = _resolve([_prepared(df, fields, settings, "input")], fields.present(), settings)
    ids = df[fields.record_id].to_numpy() if fields.record_id else np.arange(len(df))
    clusters = pd.DataFrame({RECORD_ID: ids, "cluster_id": cluster})
    return Resolution(clusters=clusters, pairs=pd.DataFrame(), seconds=time.perf_counter() - start)


def splink_link(
    df_a: pd.DataFrame, df_b: pd.DataFrame, fields: FieldMap, settings: SplinkBaselineSettings
) -> Resolution:
    """Link ``df_a`` to ``df_b`` with the plain Splink model."""
    start = time.perf_counter()
    tables = [_prepared(df_a, fields, settings, "a"), _prepared(df_b, fields, settings, "b")]
    cluster = _resolve(tables, fields.present(), settings)

    def ids_of(df: pd.DataFrame) -> np.ndarray:
        return df[fields.record_id].to_numpy() if fields.record_id else np.arange(len(df))

    clusters = pd.DataFrame(
        {
            "dataset": ["a"] * len(df_a) + ["b"] * len(df_b),
            RECORD_ID: np.concatenate([ids_of(df_a), ids_of(df_b)]),
            "cluster_id": cluster,
        }
    )
    return Resolution(clusters=clusters, pairs=pd.DataFrame(), seconds=time.perf_counter() - start)
