"""Each model's training set-up on the current warehouse data (`PROBLEMS`): what to fit and how to measure it.

A `Problem` holds a `fit()` and a `rescore(fitted)` that measures any fitted version on the same
holdout, which is what the registry compares champion and challenger on. The classifiers (churn, lead
score, upsell; `pipeline.scoring.classifiers`) and CLV list their candidate algorithms, the plain baseline
among them: `select()` compares them over rolling origins inside the training data
(`pipeline.scoring.selection`) and `fits` fits the chosen one; the forecast's backtest chooses inside its fit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from models.features import customer_features
from models.registry import Metric
from pipeline.scoring.classifiers import churn_problem, lead_problem, upsell_problem
from pipeline.scoring.clv import clv_models, fit_clv, fit_clv_ml, purchases_mae
from pipeline.scoring.forecast import (
    FORECAST_DAYS,
    GRAINS,
    backtest_metrics,
    choose_forecast,
    complete_periods,
    daily_candidates,
    forecast_selection,
    wape,
)
from pipeline.scoring.inputs import Inputs
from pipeline.scoring.problem import (
    CHURN_DAYS,
    LEAD_DAYS,
    MIN_POSITIVES,
    UPSELL_DAYS,
    Problem,
    once,
    split_holdout,
)
from pipeline.scoring.selection import (
    HOLDOUT,
    ONLY,
    ROLLING,
    SAMPLE_CUSTOMERS,
    Figures,
    Selection,
    choose,
    compared,
    plan_origins,
    sampled_note,
)

logger = logging.getLogger(__name__)

__all__ = ["METRICS", "NEEDS", "PROBLEMS", "Problem"]

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


BGNBD_ALGORITHM = "bgnbd+gamma_gamma"
CLV_ML_ALGORITHM = "xgboost_poisson+gamma_gamma"
#: The Poisson regression is a CLV candidate from this many training customers on: below it, BG/NBD's four
#: parameters are all a small base supports (on CDNOW, BG/NBD is kept at every cut-off even at 23,570).
CLV_ML_MIN_CUSTOMERS = 1000


def clv_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    """BG/NBD + Gamma-Gamma calibrated to data end − 90 days, judged on the purchases of the 90 days after;
    on a large base, the ML alternative (a Poisson regression trained on the 90 days before the cut-off) is a
    candidate, kept only if it beats BG/NBD at every rolling origin and on the mean."""
    from models.clv import rfm_summary

    cutoff = inputs.as_of - pd.Timedelta(days=CHURN_DAYS)
    summary = rfm_summary(inputs.sales, cutoff, inputs.as_of).sort_index()
    hold, where = split_holdout(summary.index)
    train, test = summary[~hold], summary[hold]
    if (train["frequency"] > 0).sum() < MIN_POSITIVES or test.empty:
        return None

    @cache
    def features_at(at: pd.Timestamp) -> pd.DataFrame:
        return customer_features(inputs.sales, inputs.interactions, inputs.customers, at, sentiment)

    def rescore(fitted: Any) -> dict[str, float]:
        features = features_at(cutoff).reindex(test.index) if "regressor" in fitted else None
        predicted = clv_models(fitted, features)[0].predict(test, CHURN_DAYS / 7.0)
        actual = test["frequency_holdout"]
        return {
            "mae": float((predicted - actual).abs().mean()),
            "total_error_pct": float(100.0 * (predicted.sum() / max(actual.sum(), 1.0) - 1.0)),
            "actual_purchases": float(actual.sum()),
        }

    def regression_data(at: pd.Timestamp, keep: pd.Index) -> tuple[pd.DataFrame, pd.Series]:
        """Features at `at` − 90 days and purchases in the 90 days to `at`, of the customers in `keep`."""
        earlier = at - pd.Timedelta(days=CHURN_DAYS)
        x = features_at(earlier)
        x = x[x.index.isin(keep)]
        y = rfm_summary(inputs.sales, earlier, at)["frequency_holdout"].reindex(x.index).fillna(0.0)
        return x, y

    fits = {BGNBD_ALGORITHM: once(lambda: fit_clv(train))}
    if len(train) >= CLV_ML_MIN_CUSTOMERS:  # features are built only when the regression is a candidate
        x, y = regression_data(cutoff, train.index)
        if int((y > 0).sum()) >= MIN_POSITIVES:
            fits[CLV_ML_ALGORITHM] = once(lambda: fit_clv_ml(train, x, y, CHURN_DAYS))

    def at_origin(algorithm: str, origin: pd.Timestamp) -> dict[str, Any]:
        calibrated = rfm_summary(inputs.sales, origin, origin + pd.Timedelta(days=CHURN_DAYS))
        calibrated = calibrated[compared(calibrated.index)]
        if (calibrated["frequency"] > 0).sum() < MIN_POSITIVES:
            raise ValueError(f"origin {origin.date()}: fewer than {MIN_POSITIVES} repeat customers")
        if algorithm == BGNBD_ALGORITHM:
            fitted, features = fit_clv(calibrated, spend_too=False), None
        else:
            fitted = fit_clv_ml(calibrated, *regression_data(origin, calibrated.index), CHURN_DAYS, False)
            features = features_at(origin).reindex(calibrated.index)
        mae = purchases_mae(fitted, calibrated, features, CHURN_DAYS)
        return {"cutoff": str(origin.date()), "value": mae, "rows": len(calibrated)}

    def select() -> Selection:
        first_day = pd.Timestamp(inputs.sales["date"].min())
        origins, why = plan_origins(first_day, inputs.as_of, CHURN_DAYS)
        if len(fits) == 1:  # BG/NBD alone: nothing to compare, so no origin is fitted
            origins, why = [], ONLY_BGNBD
        if origins:
            try:
                figures = [
                    Figures(name, name == BGNBD_ALGORITHM, [at_origin(name, o) for o in origins])
                    for name in fits
                ]
            except Exception as e:  # lifetimes' ConvergenceError, or too few repeat customers at an origin
                why = f"an origin could not be fitted: {e}"
            else:
                chosen = choose(figures, higher_is_better=False, every_origin=True)
                return Selection(
                    chosen, ROLLING, "mae", figures, note=sampled_note(len(train)), rule=CLV_RULE
                )
        figures = [
            Figures(
                name,
                name == BGNBD_ALGORITHM,
                [{"cutoff": str(cutoff.date()), "value": rescore(fit())["mae"], "rows": len(test)}],
            )
            for name, fit in fits.items()
        ]
        chosen = choose(figures, higher_is_better=False, every_origin=True)
        method = ONLY if why == ONLY_BGNBD else HOLDOUT
        return Selection(chosen, method, "mae", figures, note=why, rule=CLV_RULE)

    return Problem(
        algorithm=BGNBD_ALGORITHM,
        rows=len(summary),
        features=["frequency", "recency", "T", "monetary_value"],
        train_start=inputs.sales["date"].min().date(),
        holdout=f"{where}; calibrated to {cutoff.date()}, purchases to {inputs.as_of.date()}",
        fit=fits[BGNBD_ALGORITHM],
        rescore=rescore,
        select=select,
        fits=fits,
    )


ONLY_BGNBD = (
    f"BG/NBD is the only candidate below {CLV_ML_MIN_CUSTOMERS:,} training customers, so nothing is compared"
)
CLV_RULE = (
    "BG/NBD is kept unless the Poisson regression (a candidate from "
    f"{CLV_ML_MIN_CUSTOMERS:,} training customers) has a lower mean absolute error of each customer's "
    f"purchases at every one of the rolling {CHURN_DAYS}-day origins (at most {SAMPLE_CUSTOMERS:,} training "
    "customers each, a fixed sample)"
)


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
        explain=forecast_selection,
    )


PROBLEMS: dict[str, Callable[[Inputs, pd.DataFrame], Problem | None]] = {
    "churn": churn_problem,
    "clv": clv_problem,
    "lead_score": lead_problem,
    "forecast": forecast_problem,
    "upsell": upsell_problem,
}
