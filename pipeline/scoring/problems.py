"""Each model's training set-up on the current warehouse data: what to fit and how to measure it.

A `Problem` holds a `fit()` and a `rescore(fitted)` that measures any fitted version on the same
holdout, which is what the registry compares champion and challenger on. A classifier family (churn, lead
score, upsell) also lists its candidate algorithms, the plain baseline among them: `select()` compares them
by their mean AUC over rolling origins inside the training data (`pipeline.scoring.selection`), and `fits`
fits the chosen one; CLV carries the Poisson xgboost regression as an alternative to BG/NBD.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
from models.registry import Metric
from models.rolling import Examples
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
from pipeline.scoring.selection import (
    HOLDOUT,
    ONLY,
    ROLLING,
    Figures,
    Option,
    Selection,
    choose,
    holdout_classifiers,
    plan_origins,
    rolling_classifiers,
)

logger = logging.getLogger(__name__)

CHURN_DAYS = 90  # churned = no purchase in this many days after the cut-off
LEAD_DAYS = 180  # converted = first purchase within this many days after the cut-off
LEAD_STEP_DAYS = 90  # lead origins are 90 days apart, so four 180-day labels fit in two years
UPSELL_DAYS = 90  # upsold = bought a category new to the customer within this many days after the cut-off
MIN_POSITIVES = 10  # fewer positive (or negative) labels than this: the classifier is not trained
#: The alternative to calibrated xgboost for churn and lead scores (`models.churn_blend`), kept where it wins.
BLEND_ALGORITHM = "logistic+xgboost blend+platt"
XGBOOST_ALGORITHM = "xgboost+isotonic"
LOGISTIC_ALGORITHM = "logistic"
UPTAKE_ALGORITHM = "segment uptake"
#: The blend chooses C, depth and weight by inner 3-fold CV: below this many training rows at an origin its
#: folds are too small to choose from, and it is not a candidate (it also costs ten times a plain fit).
BLEND_MIN_ROWS = 2000

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
    """One model's training set-up on the current data: how to fit, and how to measure on the holdout.

    With `select`, the algorithm is chosen when training is due: `select()` compares the candidates and
    `fits[chosen]` fits the winner on the training rows.
    """

    algorithm: str
    rows: int
    features: list[str]
    train_start: dt.date | None
    holdout: str
    fit: Callable[[], Any]
    rescore: Callable[[Any], Mapping[str, float]]
    select: Callable[[], Selection] | None = None
    fits: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    #: For a fit that makes its own choice (the forecast's backtest): that choice, read from the fitted model.
    explain: Callable[[Any], Selection | None] | None = None

    def chosen(self) -> tuple[Problem, Selection | None]:
        """This problem set to its chosen candidate, and how it was chosen (None: nothing to choose)."""
        if self.select is None:
            return self, None
        selection = self.select()
        return replace(self, algorithm=selection.chosen, fit=self.fits[selection.chosen]), selection


def _split(index: pd.Index) -> tuple[pd.Series, str]:
    hold = registry.in_holdout(index)
    return hold, f"{int(hold.sum())} of {len(index)} customers (fixed key hash, {registry.HOLDOUT_SHARE}%)"


def _customers(index: pd.Index) -> pd.Index:
    """The customer of each row: the index itself, or its customer_id level for (customer, category) pairs."""
    return index.get_level_values("customer_id") if isinstance(index, pd.MultiIndex) else index


def _training_rows(examples: Examples) -> Examples:
    """The rows of customers outside the holdout: the only ones the selection may look at."""
    keep = ~registry.in_holdout(pd.Index(_customers(examples.x.index))).to_numpy()
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
    fits = {o.algorithm: _once(_fitter(o, x[train], y[train])) for o in options}

    def select() -> Selection:
        first_day = pd.Timestamp(inputs.sales["date"].min())
        origins, why = plan_origins(first_day, inputs.as_of, horizon_days, step_days)
        if origins:

            @cache
            def training_rows(at: pd.Timestamp) -> Examples:
                return _training_rows(examples_at(at))

            found = rolling_classifiers(training_rows, origins, horizon_days, options)
            if isinstance(found, Selection):
                return found
            why = found
        logger.warning("%s: the candidates are compared on the single holdout: %s", family, why)
        return holdout_classifiers(
            options, lambda o: rescore(fits[o.algorithm]()), cutoff, int(test.sum()), why
        )

    n_test = int(pd.Index(customers[test]).nunique())
    unit = "customers" if family != "upsell" else "customers' (customer, category) pairs"
    return Problem(
        algorithm=options[0].algorithm,
        rows=len(x),
        features=list(x.columns),
        train_start=inputs.sales["date"].min().date(),
        holdout=(
            f"{n_test} of {customers.nunique()} {unit} (fixed key hash, {registry.HOLDOUT_SHARE}%); {label}"
        ),
        fit=fits[options[0].algorithm],
        rescore=rescore,
        select=select,
        fits=fits,
    )


def _fitter(option: Option, x: pd.DataFrame, y: pd.Series) -> Callable[[], Any]:
    return lambda: option.factory().fit(x, y)


def _once(fit: Callable[[], Any]) -> Callable[[], Any]:
    """`fit`, run at most once: the holdout comparison and the final fit share the fitted model."""
    done: list[Any] = []

    def run() -> Any:
        if not done:
            done.append(fit())
        return done[0]

    return run


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
    hold, where = _split(summary.index)
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

    fits = {BGNBD_ALGORITHM: _once(lambda: fit_clv(train))}
    if len(train) >= CLV_ML_MIN_CUSTOMERS:  # features are built only when the regression is a candidate
        x, y = regression_data(cutoff, train.index)
        if int((y > 0).sum()) >= MIN_POSITIVES:
            fits[CLV_ML_ALGORITHM] = _once(lambda: fit_clv_ml(train, x, y, CHURN_DAYS))

    def at_origin(algorithm: str, origin: pd.Timestamp) -> dict[str, Any]:
        calibrated = rfm_summary(inputs.sales, origin, origin + pd.Timedelta(days=CHURN_DAYS))
        calibrated = calibrated[~registry.in_holdout(calibrated.index).to_numpy()]
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
                return Selection(chosen, ROLLING, "mae", figures, rule=CLV_RULE)
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
    f"purchases at every one of the rolling {CHURN_DAYS}-day origins"
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


PROBLEMS: dict[str, Callable[[Inputs, pd.DataFrame], Problem | None]] = {
    "churn": churn_problem,
    "clv": clv_problem,
    "lead_score": lead_problem,
    "forecast": forecast_problem,
    "upsell": upsell_problem,
}
