"""Each model's training set-up on the current warehouse data: what to fit and how to measure it.

A `Problem` holds a `fit()` and a `rescore(fitted)` that measures any fitted version on the same
holdout, which is what the registry compares champion and challenger on. A problem may carry
`alternatives`: other algorithms for the same model, on the same holdout, trained and registered after
it, so the registry keeps whichever scores best (churn and lead score: calibrated xgboost and a logistic +
xgboost blend; CLV: BG/NBD and a Poisson xgboost regression).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
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
from models.registry import Metric
from pipeline.scoring.clv import clv_models, fit_clv, fit_clv_ml
from pipeline.scoring.forecast import (
    FORECAST_DAYS,
    GRAINS,
    backtest_metrics,
    choose_forecast,
    complete_periods,
    daily_candidates,
    wape,
)
from pipeline.scoring.inputs import Inputs

logger = logging.getLogger(__name__)

CHURN_DAYS = 90  # churned = no purchase in this many days after the cut-off
LEAD_DAYS = 180  # converted = first purchase within this many days after the cut-off
UPSELL_DAYS = 90  # upsold = bought a category new to the customer within this many days after the cut-off
MIN_POSITIVES = 10  # fewer positive (or negative) labels than this: the classifier is not trained
#: The alternative to calibrated xgboost for churn and lead scores (`models.churn_blend`), kept where it wins.
BLEND_ALGORITHM = "logistic+xgboost blend+platt"

#: What each model needs to be trained, as the score step reports it when the data fall short.
NEEDS = {
    "churn": f"{MIN_POSITIVES} customers who stopped buying and {MIN_POSITIVES} who did not over {CHURN_DAYS} days",
    "clv": f"{MIN_POSITIVES} repeat customers {CHURN_DAYS} days before the last sale",
    "lead_score": f"{MIN_POSITIVES} prospects who became customers and {MIN_POSITIVES} who did not within {LEAD_DAYS} days",
    "forecast": f"{4 * FORECAST_DAYS} days of daily revenue",
    "upsell": f"{MIN_POSITIVES} customers who took up a new category and {MIN_POSITIVES} who did not within {UPSELL_DAYS} days",
}
METRICS = {
    "churn": Metric("auc", higher_is_better=True, drift=0.05),
    "clv": Metric("mae", higher_is_better=False, drift=0.25),
    "lead_score": Metric("auc", higher_is_better=True, drift=0.05),
    "forecast": Metric("wape", higher_is_better=False, drift=0.25),
    "upsell": Metric("auc", higher_is_better=True, drift=0.05),
}


@dataclass(frozen=True)
class Problem:
    """One model's training set-up on the current data: how to fit, and how to measure on the holdout."""

    algorithm: str
    rows: int
    features: list[str]
    train_start: dt.date | None
    holdout: str
    fit: Callable[[], Any]
    rescore: Callable[[Any], Mapping[str, float]]
    alternatives: tuple[Problem, ...] = ()


def _split(index: pd.Index) -> tuple[pd.Series, str]:
    hold = registry.in_holdout(index)
    return hold, f"{int(hold.sum())} of {len(index)} customers (fixed key hash, {registry.HOLDOUT_SHARE}%)"


def _classifier_problem(
    x: pd.DataFrame, y: pd.Series, algorithm: str, holdout: str, train_start: dt.date
) -> Problem | None:
    from models.churn import ChurnModel, classification_metrics
    from models.churn_blend import BlendedChurnModel

    hold, where = _split(x.index)
    train, test = ~hold, hold
    for part in (train, test):
        positives = int(y[part].sum())
        if min(positives, int(part.sum()) - positives) < (MIN_POSITIVES if part is train else 2):
            return None

    def rescore(model: Any) -> dict[str, float]:
        proba = model.predict_proba(x[test])
        metrics = classification_metrics(y[test], proba)
        rate = float(y[test].mean())
        return metrics | {"positive_rate": rate, "majority_accuracy": max(rate, 1.0 - rate)}

    problem = Problem(
        algorithm=algorithm,
        rows=len(x),
        features=list(x.columns),
        train_start=train_start,
        holdout=f"{where}; {holdout}",
        fit=lambda: ChurnModel().fit(x[train], y[train]),
        rescore=rescore,
    )
    blend = replace(
        problem, algorithm=BLEND_ALGORITHM, fit=lambda: BlendedChurnModel().fit(x[train], y[train])
    )
    return replace(problem, alternatives=(blend,))


def churn_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    cutoff = inputs.as_of - pd.Timedelta(days=CHURN_DAYS)
    x = customer_features(inputs.sales, inputs.interactions, inputs.customers, cutoff, sentiment)
    y = churn_label(inputs.sales, x.index, cutoff, CHURN_DAYS)
    label = f"features to {cutoff.date()}, churn = no purchase to {inputs.as_of.date()}"
    return _classifier_problem(x, y, "xgboost+isotonic", label, inputs.sales["date"].min().date())


def lead_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    cutoff = inputs.as_of - pd.Timedelta(days=LEAD_DAYS)
    index = prospects_at(inputs.sales, inputs.customers, cutoff)
    x = prospect_features(inputs.customers, inputs.interactions, index, cutoff)
    y = conversion_label(inputs.sales, index, cutoff, LEAD_DAYS)
    label = f"prospects at {cutoff.date()}, converted = first purchase to {inputs.as_of.date()}"
    return _classifier_problem(x, y, "xgboost+isotonic", label, inputs.sales["date"].min().date())


def clv_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    """BG/NBD + Gamma-Gamma calibrated to data end − 90 days, judged on the purchases of the 90 days after;
    the ML alternative (a Poisson regression trained on the 90 days before the cut-off) on the same holdout."""
    from models.clv import rfm_summary

    cutoff = inputs.as_of - pd.Timedelta(days=CHURN_DAYS)
    summary = rfm_summary(inputs.sales, cutoff, inputs.as_of).sort_index()
    hold, where = _split(summary.index)
    train, test = summary[~hold], summary[hold]
    if (train["frequency"] > 0).sum() < MIN_POSITIVES or test.empty:
        return None
    at_cutoff = customer_features(inputs.sales, inputs.interactions, inputs.customers, cutoff, sentiment)

    def rescore(fitted: Any) -> dict[str, float]:
        predicted = clv_models(fitted, at_cutoff.reindex(test.index))[0].predict(test, CHURN_DAYS / 7.0)
        actual = test["frequency_holdout"]
        return {
            "mae": float((predicted - actual).abs().mean()),
            "total_error_pct": float(100.0 * (predicted.sum() / max(actual.sum(), 1.0) - 1.0)),
            "actual_purchases": float(actual.sum()),
        }

    holdout = f"{where}; calibrated to {cutoff.date()}, purchases to {inputs.as_of.date()}"
    problem = Problem(
        algorithm="bgnbd+gamma_gamma",
        rows=len(summary),
        features=["frequency", "recency", "T", "monetary_value"],
        train_start=inputs.sales["date"].min().date(),
        holdout=holdout,
        fit=lambda: fit_clv(train),
        rescore=rescore,
    )
    earlier = cutoff - pd.Timedelta(days=CHURN_DAYS)
    x = customer_features(inputs.sales, inputs.interactions, inputs.customers, earlier, sentiment)
    x = x[~registry.in_holdout(x.index).to_numpy()]
    y = rfm_summary(inputs.sales, earlier, cutoff)["frequency_holdout"].reindex(x.index).fillna(0.0)
    if int((y > 0).sum()) < MIN_POSITIVES:
        return problem
    regression = Problem(
        algorithm="xgboost_poisson+gamma_gamma",
        rows=len(summary),
        features=list(x.columns),
        train_start=problem.train_start,
        holdout=f"{holdout}; trained on {earlier.date()}..{cutoff.date()}",
        fit=lambda: fit_clv_ml(train, x, y, CHURN_DAYS),
        rescore=rescore,
    )
    return replace(problem, alternatives=(regression,))


def forecast_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    y = inputs.revenue
    if len(y) < 4 * FORECAST_DAYS:
        return None
    train, actual = y.iloc[:-FORECAST_DAYS], y.iloc[-FORECAST_DAYS:]

    def rescore(fitted: Any) -> dict[str, float]:
        point = daily_candidates(train, FORECAST_DAYS, fitted["members"]).mean(axis=1)
        holdout = {"wape": wape(actual, point)}
        for grain in GRAINS:
            periods = complete_periods(actual, point, grain)
            if not periods.empty:
                holdout[f"wape_{grain}"] = wape(periods["actual"], periods["predicted"])
        return holdout | backtest_metrics(fitted)

    return Problem(
        algorithm="ensemble(prophet, statsforecast) by backtest",
        rows=len(y),
        features=["revenue"],
        train_start=y.index[0].date(),
        holdout=f"last {FORECAST_DAYS} days of daily revenue to {y.index[-1].date()}",
        fit=lambda: choose_forecast(train, FORECAST_DAYS),
        rescore=rescore,
    )


def upsell_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    """(customer, category not yet bought) pairs at data end − 90 days; label: bought it in the 90 days after.

    Held out by customer (the same key hash as the other models); the baseline is the category's uptake
    among the customer's segment, measured on the same holdout pairs.
    """
    from models.churn import ChurnModel, classification_metrics
    from models.upsell import candidate_pairs, upsell_label

    cutoff = inputs.as_of - pd.Timedelta(days=UPSELL_DAYS)
    x = candidate_pairs(inputs.sales, inputs.customers, cutoff)
    if x.empty:
        return None
    y = upsell_label(inputs.sales, x.index, cutoff, UPSELL_DAYS)
    customers = x.index.get_level_values("customer_id")
    hold = registry.in_holdout(pd.Index(customers)).to_numpy()
    train, test = ~hold, hold
    for part, least in ((train, MIN_POSITIVES), (test, 2)):
        positives = int(y[part].sum())
        if min(positives, int(part.sum()) - positives) < least:
            return None

    def rescore(model: Any) -> dict[str, float]:
        proba = model.predict_proba(x[test])
        metrics = classification_metrics(y[test], proba)
        baseline = classification_metrics(y[test], x.loc[test, "segment_uptake"].clip(0.0, 1.0))
        rate = float(y[test].mean())
        return metrics | {
            "baseline_auc": baseline["auc"],
            "positive_rate": rate,
            "majority_accuracy": max(rate, 1.0 - rate),
        }

    n_test = int(pd.Index(customers[test]).nunique())
    return Problem(
        algorithm="xgboost+isotonic",
        rows=len(x),
        features=list(x.columns),
        train_start=inputs.sales["date"].min().date(),
        holdout=(
            f"{n_test} of {customers.nunique()} customers (fixed key hash, {registry.HOLDOUT_SHARE}%); "
            f"pairs at {cutoff.date()}, upsold = new category bought to {inputs.as_of.date()}"
        ),
        fit=lambda: ChurnModel().fit(x[train], y[train]),
        rescore=rescore,
    )


PROBLEMS: dict[str, Callable[[Inputs, pd.DataFrame], Problem | None]] = {
    "churn": churn_problem,
    "clv": clv_problem,
    "lead_score": lead_problem,
    "forecast": forecast_problem,
    "upsell": upsell_problem,
}
