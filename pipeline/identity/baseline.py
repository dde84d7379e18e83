"""Baseline from the design card: a classic ``recordlinkage`` pipeline.

Sorted-neighbourhood + blocking index, string/exact comparisons, then the unsupervised ECM
(Fellegi–Sunter by EM on binary agreement vectors) or a simple agreement-count threshold.
It reads the same standardised fields as the engine so the comparison is about matching only.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import recordlinkage

from pipeline.identity.clustering import cluster_ids
from pipeline.identity.engine import Resolution
from pipeline.identity.fields import RECORD_ID, FieldMap
from pipeline.identity.prepare import standardise_frame

logger = logging.getLogger(__name__)

_STRING_FIELDS = ("given_name", "family_name", "business_name", "street")
_EXACT_FIELDS = ("email", "phone", "street_number", "city", "postcode", "state", "date_of_birth", "source_id")


@dataclass(frozen=True)
class BaselineSettings:
    """Index and classifier choices for the recordlinkage baseline."""

    window: int = 9
    """Sorted-neighbourhood window on the family (or business) name."""
    string_threshold: float = 0.85
    """Jaro-Winkler similarity at which two names/streets count as agreeing."""
    classifier: Literal["ecm", "threshold"] = "ecm"
    min_agreements: int = 5
    """For the threshold classifier: agreeing fields needed for a match."""
    region: str | None = None
    day_first: bool = True
    blocking: Literal["single", "combined"] = "single"
    """``single``: one block per field (given name alone makes large blocks); ``combined``: the given name
    only together with the postcode or the city, as recordlinkage is normally used on large inputs."""


def _index(
    a: pd.DataFrame, b: pd.DataFrame | None, present: frozenset[str], window: int, blocking: str = "single"
) -> pd.MultiIndex:
    indexer = recordlinkage.Index()
    sort_key = next((f for f in ("family_name", "business_name", "street") if f in present), None)
    if sort_key is not None:
        indexer.sortedneighbourhood(sort_key, window=window)
    singles = ("date_of_birth", "email", "phone", "national_id")
    for block in singles if blocking == "combined" else (*singles, "given_name"):
        if block in present:
            indexer.block(block)
    if blocking == "combined" and "given_name" in present:
        for other in ("postcode", "city"):
            if other in present:
                indexer.block(["given_name", other])
    pairs: pd.MultiIndex = indexer.index(a) if b is None else indexer.index(a, b)
    return pairs


def _features(
    pairs: pd.MultiIndex, a: pd.DataFrame, b: pd.DataFrame, present: frozenset[str], cfg: BaselineSettings
) -> pd.DataFrame:
    compare = recordlinkage.Compare(n_jobs=1)
    for field in _STRING_FIELDS:
        if field in present:
            compare.string(field, field, method="jarowinkler", threshold=cfg.string_threshold, label=field)
    for field in _EXACT_FIELDS:
        if field in present:
            compare.exact(field, field, label=field)
    if "national_id" in present:
        compare.string("national_id", "national_id", method="levenshtein", threshold=0.8, label="national_id")
    features: pd.DataFrame = compare.compute(pairs, a, b)
    return features.astype(np.int8)


def _classify(features: pd.DataFrame, cfg: BaselineSettings) -> pd.MultiIndex:
    if cfg.classifier == "ecm" and len(features) > 0:
        try:
            ecm = recordlinkage.ECMClassifier(binarize=None)
            matches: pd.MultiIndex = ecm.fit_predict(features)
            return matches
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as e:
            logger.warning("ECM failed (%s); falling back to the agreement-count threshold", e)
    chosen: pd.MultiIndex = features.index[features.sum(axis=1) >= cfg.min_agreements]  # type: ignore[assignment]
    return chosen


def _prepared(df: pd.DataFrame, fields: FieldMap, cfg: BaselineSettings, name: str) -> pd.DataFrame:
    std = standardise_frame(df, fields, region=cfg.region, day_first=cfg.day_first, frame_name=name)
    values = std.drop(columns=[RECORD_ID]).astype(object)
    return values.where(values.notna(), np.nan)


def _result(
    ids: np.ndarray, sides: np.ndarray | None, left: np.ndarray, right: np.ndarray, start: float
) -> Resolution:
    cluster = cluster_ids(len(ids), left.astype(np.int64), right.astype(np.int64))
    clusters = pd.DataFrame({RECORD_ID: ids, "cluster_id": cluster})
    pairs = pd.DataFrame({"record_id_l": ids[left], "record_id_r": ids[right], "match_key": "ecm"})
    if sides is not None:
        clusters.insert(0, "dataset", sides)
        pairs.insert(0, "dataset_l", sides[left])
        pairs.insert(2, "dataset_r", sides[right])
    return Resolution(clusters=clusters, pairs=pairs, seconds=time.perf_counter() - start)


def baseline_dedupe(
    df: pd.DataFrame, fields: FieldMap, settings: BaselineSettings | None = None
) -> Resolution:
    """Deduplicate ``df`` with the recordlinkage pipeline; clusters are connected components of matches."""
    cfg = settings or BaselineSettings()
    start = time.perf_counter()
    a = _prepared(df, fields, cfg, "input").reset_index(drop=True)
    present = fields.present()
    pairs = _index(a, None, present, cfg.window, cfg.blocking)
    logger.info("baseline: %d candidate pairs for %d records", len(pairs), len(a))
    matches = _classify(_features(pairs, a, a, present, cfg), cfg)
    ids = df[fields.record_id].to_numpy() if fields.record_id else np.arange(len(df))
    left = matches.get_level_values(0).to_numpy(np.int64)
    right = matches.get_level_values(1).to_numpy(np.int64)
    return _result(ids, None, left, right, start)


def baseline_link(
    df_a: pd.DataFrame, df_b: pd.DataFrame, fields: FieldMap, settings: BaselineSettings | None = None
) -> Resolution:
    """Link ``df_a`` to ``df_b`` with the recordlinkage pipeline."""
    cfg = settings or BaselineSettings()
    start = time.perf_counter()
    a = _prepared(df_a, fields, cfg, "a").reset_index(drop=True)
    b = _prepared(df_b, fields, cfg, "b").reset_index(drop=True)
    present = fields.present()
    pairs = _index(a, b, present, cfg.window, cfg.blocking)
    logger.info("baseline: %d candidate pairs for %d x %d records", len(pairs), len(a), len(b))
    matches = _classify(_features(pairs, a, b, present, cfg), cfg)

    def ids_of(df: pd.DataFrame) -> np.ndarray:
        return df[fields.record_id].to_numpy() if fields.record_id else np.arange(len(df))

    ids = np.concatenate([ids_of(df_a), ids_of(df_b)])
    sides = np.array(["a"] * len(df_a) + ["b"] * len(df_b), dtype=object)
    left = matches.get_level_values(0).to_numpy(np.int64)
    right = matches.get_level_values(1).to_numpy(np.int64) + len(df_a)
    return _result(ids, sides, left, right, start)
