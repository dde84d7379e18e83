"""Churn, lead score and upsell set-ups: customers (or customer × category pairs) at data end − horizon, the
fixed holdout, and the candidates (the plain baseline first) that `select()` compares over rolling origins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

import pandas as pd

from models import registry
from models.features import (
    churn_label,
    conversion_label,
    customer_features,
    prospect_features,
    prospects_at,
)
from models.rolling import Examples
from pipeline.scoring.inputs import Inputs
from pipeline.scoring.problem import (
    CHURN_DAYS,
    LEAD_DAYS,
    LEAD_STEP_DAYS,
    MIN_POSITIVES,
    UPSELL_DAYS,
    Problem,
    once,
)
from pipeline.scoring.selection import (
    Option,
    Selection,
    compared,
    holdout_classifiers,
    plan_origins,
    rolling_classifiers,
    sampled_note,
)

logger = logging.getLogger(__name__)

#: The candidates' names in the registry (the blend: `models.churn_blend`).
BLEND_ALGORITHM = "logistic+xgboost blend+platt"
XGBOOST_ALGORITHM = "xgboost+isotonic"
LOGISTIC_ALGORITHM = "logistic"
UPTAKE_ALGORITHM = "segment uptake"
#: The blend chooses C, depth and weight by inner 3-fold CV: below this many training rows at an origin its
#: folds are too small to choose from, and it is not a candidate (it also costs ten times a plain fit).
BLEND_MIN_ROWS = 2000


def _customers(index: pd.Index) -> pd.Index:
    """The customer of each row: the index itself, or its customer_id level for (customer, category) pairs."""
    return index.get_level_values("customer_id") if isinstance(index, pd.MultiIndex) else index


def _training_rows(examples: Examples) -> Examples:
    """The rows the selection may look at: of customers outside the holdout (a fixed sample of them on a large
    base, `selection.compared`)."""
    keep = compared(pd.Index(_customers(examples.x.index)))
    return Examples(examples.x[keep], examples.y[keep], examples.baseline[keep])


def _options(family: str, rows: int) -> list[Option]:
    """The candidates of a classifier family, the plain baseline first."""
    from models.baselines import ColumnScore, LogisticModel
    from models.churn import ChurnModel
    from models.churn_blend import BlendedChurnModel

    if family == "upsell":
        return [Option(UPTAKE_ALGORITHM, ColumnScore, baseline=True), Option(XGBOOST_ALGORITHM, ChurnModel)]
    options = [
        Option(LOGISTIC_ALGORITHM, LogisticModel, baseline=True),
        Option(XGBOOST_ALGORITHM, ChurnModel),
    ]
    if rows >= BLEND_MIN_ROWS:
        options.append(Option(BLEND_ALGORITHM, BlendedChurnModel))
    return options


def _classifier_problem(
    family: str,
    examples_at: Callable[[pd.Timestamp], Examples],
    inputs: Inputs,
    horizon_days: int,
    label: str,
    step_days: int | None = None,
) -> Problem | None:
    """Train on the training customers at data end − horizon, measured on the held-out ones; the algorithm
    chosen over rolling origins before that (or on the holdout when the history is too short)."""
    from models.churn import classification_metrics

    cutoff = inputs.as_of - pd.Timedelta(days=horizon_days)
    examples = examples_at(cutoff)
    x, y = examples.x, examples.y
    if x.empty:
        return None
    customers = _customers(x.index)
    hold = registry.in_holdout(pd.Index(customers)).to_numpy()
    train, test = ~hold, hold
    for part, least in ((train, MIN_POSITIVES), (test, 2)):
        positives = int(y[part].sum())
        if min(positives, int(part.sum()) - positives) < least:
            return None

    def rescore(model: Any) -> dict[str, float]:
        metrics = classification_metrics(y[test], model.predict_proba(x[test]))
        rate = float(y[test].mean())
        extra = {"positive_rate": rate, "majority_accuracy": max(rate, 1.0 - rate)}
        if family == "upsell":
            baseline = examples.baseline[test].clip(0.0, 1.0)
            extra["baseline_auc"] = classification_metrics(y[test], baseline)["auc"]
        return metrics | extra

    options = _options(family, int(train.sum()))
    fits = {o.algorithm: once(_fitter(o, x[train], y[train])) for o in options}

    def select() -> Selection:
        first_day = pd.Timestamp(inputs.sales["date"].min())
        origins, why = plan_origins(first_day, inputs.as_of, horizon_days, step_days)
        if origins:

            @cache
            def training_rows(at: pd.Timestamp) -> Examples:
                return _training_rows(examples_at(at))

            found = rolling_classifiers(training_rows, origins, horizon_days, options)
            if isinstance(found, Selection):
                return replace(found, note=sampled_note(pd.Index(customers[train]).nunique()))
            why = found
        logger.warning("%s: the candidates are compared on the single holdout: %s", family, why)
        return holdout_classifiers(
            options, lambda o: rescore(fits[o.algorithm]()), cutoff, int(test.sum()), why
        )

    n_test = int(pd.Index(customers[test]).nunique())
    return Problem(
        algorithm=options[0].algorithm,
        rows=len(x),
        features=list(x.columns),
        train_start=inputs.sales["date"].min().date(),
        holdout=(
            f"{n_test} of {customers.nunique()} customers (fixed key hash, {registry.HOLDOUT_SHARE}%); {label}"
        ),
        fit=fits[options[0].algorithm],
        rescore=rescore,
        select=select,
        fits=fits,
    )


def _fitter(option: Option, x: pd.DataFrame, y: pd.Series) -> Callable[[], Any]:
    return lambda: option.factory().fit(x, y)


def churn_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        x = customer_features(inputs.sales, inputs.interactions, inputs.customers, cutoff, sentiment)
        return Examples(
            x, churn_label(inputs.sales, x.index, cutoff, CHURN_DAYS), x.get("recency_days", x.iloc[:, 0])
        )

    cutoff = inputs.as_of - pd.Timedelta(days=CHURN_DAYS)
    label = f"features to {cutoff.date()}, churn = no purchase to {inputs.as_of.date()}"
    return _classifier_problem("churn", examples_at, inputs, CHURN_DAYS, label)


def lead_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        index = prospects_at(inputs.sales, inputs.customers, cutoff)
        x = prospect_features(inputs.customers, inputs.interactions, index, cutoff)
        y = conversion_label(inputs.sales, index, cutoff, LEAD_DAYS)
        return Examples(x, y, pd.Series(0.0, index=index))

    cutoff = inputs.as_of - pd.Timedelta(days=LEAD_DAYS)
    label = f"prospects at {cutoff.date()}, converted = first purchase to {inputs.as_of.date()}"
    return _classifier_problem("lead_score", examples_at, inputs, LEAD_DAYS, label, LEAD_STEP_DAYS)


def upsell_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    """(customer, category not yet bought) pairs at data end − 90 days; label: bought it in the 90 days after.

    Held out by customer (the same key hash as the other models); the baseline candidate is the category's
    uptake among the customer's segment.
    """
    from models.upsell import candidate_pairs, upsell_label

    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        x = candidate_pairs(inputs.sales, inputs.customers, cutoff)
        y = upsell_label(inputs.sales, x.index, cutoff, UPSELL_DAYS) if len(x) else pd.Series(dtype=int)
        return Examples(x, y, x["segment_uptake"] if len(x) else pd.Series(dtype=float))

    cutoff = inputs.as_of - pd.Timedelta(days=UPSELL_DAYS)
    label = f"pairs at {cutoff.date()}, upsold = new category bought to {inputs.as_of.date()}"
    return _classifier_problem("upsell", examples_at, inputs, UPSELL_DAYS, label)
