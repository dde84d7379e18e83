"""The score step: train the warehouse models when due, then score every customer and forecast sales.

Models (names in ``model_registry``), all measured on a holdout the champion is re-scored on:
    churn       calibrated xgboost on `models.features.customer_features` at cut-off = data end − 90 days;
                label: no purchase in the 90 days after. Holdout: a fixed 25% of customers (key hash).
    clv         BG/NBD + Gamma-Gamma calibrated to the same cut-off; metric: MAE of each held-out
                customer's purchases in the 90 days after.
    lead_score  calibrated xgboost on firmographic and interaction features of prospects at cut-off
                = data end − 180 days; label: first purchase within the 180 days after.
    forecast    daily revenue (mart_kpi_daily): top-3 ensemble of prophet and statsforecast models by a
                2-origin backtest; metric: WAPE on the last 90 days; 90-day forecast with 80% intervals.

The data end ("as of") is the last day with sales, so the same warehouse gives the same scores whatever
the clock says. Training is skipped unless `models.registry.retrain_due` (or ``force_retrain``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models import registry
from models.features import (
    churn_label,
    comment_sentiment,
    conversion_label,
    customer_features,
    prospect_features,
    prospects_at,
)
from models.registry import Candidate, Decision, Metric
from pipeline.ops import StepResult
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import (
    customer_xref,
    dim_customer,
    dim_date,
    fact_interaction,
    fact_sales_line,
    mart_customer_score,
    mart_kpi_daily,
    mart_sales_forecast,
    stg_customer,
)

logger = logging.getLogger(__name__)

CHURN_DAYS = 90  # churned = no purchase in this many days after the cut-off
LEAD_DAYS = 180  # converted = first purchase within this many days after the cut-off
FORECAST_DAYS = 90
OPEN_COMPLAINT_DAYS = 30  # a complaint this recent counts as open (the warehouse has no resolution date)
CLV_PENALTIES = (0.0, 0.001, 0.01, 0.1)
MIN_POSITIVES = 10  # fewer positive (or negative) labels than this: the classifier is not trained

METRICS = {
    "churn": Metric("auc", higher_is_better=True, drift=0.05),
    "clv": Metric("mae", higher_is_better=False, drift=0.25),
    "lead_score": Metric("auc", higher_is_better=True, drift=0.05),
    "forecast": Metric("wape", higher_is_better=False, drift=0.25),
}


@dataclass(frozen=True)
class Inputs:
    """The warehouse frames the models read (pandas), and the data end they are scored as of."""

    sales: pd.DataFrame  # customer_id, date, amount, quantity
    interactions: pd.DataFrame  # customer_id, date, kind, text
    customers: pd.DataFrame  # customer_id, is_customer, segment, first_seen, firmographic columns
    revenue: pd.Series  # daily revenue to as_of, DatetimeIndex with freq D
    as_of: pd.Timestamp


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


def default_model_dir() -> Path:
    from settings import get_settings

    return get_settings().var_dir / "models"


def score(
    conn: Connection,
    batch_id: int | None,
    now: dt.datetime,
    model_dir: Path | None = None,
    force_retrain: bool = False,
) -> StepResult:
    """Train what is due, then rebuild mart_customer_score and mart_sales_forecast."""
    model_dir = model_dir or default_model_dir()
    inputs = read_inputs(conn)
    if inputs.sales.empty:
        conn.execute(mart_customer_score.delete())
        conn.execute(mart_sales_forecast.delete())
        return StepResult(message="no sales yet: nothing to train or score")
    decisions = train_if_due(conn, inputs, model_dir, now, batch_id, force_retrain)
    scores, forecast = build_scores(conn, inputs, model_dir, now)
    conn.execute(mart_customer_score.delete())
    conn.execute(mart_sales_forecast.delete())
    n_scores = insert_rows(conn, mart_customer_score, scores)
    n_forecast = insert_rows(conn, mart_sales_forecast, forecast)
    trained = ", ".join(f"{d.model} v{d.version} {d.status}" for d in decisions) or "nothing due"
    return StepResult(
        rows_in=len(inputs.sales),
        rows_out=n_scores + n_forecast,
        lineage={
            ("fact_sales_line", "mart_customer_score"): n_scores,
            ("mart_kpi_daily", "mart_sales_forecast"): n_forecast,
        },
        message=f"trained: {trained}",
    )


def retrain_models(
    conn: Connection, model_dir: Path, now: dt.datetime, force: bool = False
) -> list[Decision]:
    """Outside a batch (the scheduler's retrain job): train what is due; re-score if a champion changed."""
    inputs = read_inputs(conn)
    if inputs.sales.empty:
        return []
    decisions = train_if_due(conn, inputs, model_dir, now, None, force)
    if any(d.status == registry.CHAMPION for d in decisions):
        scores, forecast = build_scores(conn, inputs, model_dir, now)
        conn.execute(mart_customer_score.delete())
        conn.execute(mart_sales_forecast.delete())
        insert_rows(conn, mart_customer_score, scores)
        insert_rows(conn, mart_sales_forecast, forecast)
    return decisions


# --- reading the warehouse ------------------------------------------------------------------------


def read_inputs(conn: Connection) -> Inputs:
    """Sales, interactions, customers (with firmographics) and daily revenue from the core and marts."""
    f, d = fact_sales_line, dim_date
    sales = _pandas(
        conn,
        sa.select(
            f.c.customer_key.label("customer_id"), d.c.day.label("date"), f.c.amount, f.c.quantity
        ).join(d, d.c.date_key == f.c.date_key),
        ["customer_id", "date", "amount", "quantity"],
    )
    sales["date"] = pd.to_datetime(sales["date"])
    i = fact_interaction
    interactions = _pandas(
        conn,
        sa.select(i.c.customer_key.label("customer_id"), i.c.occurred_at.label("date"), i.c.kind, i.c.text),
        ["customer_id", "date", "kind", "text"],
    )
    interactions["date"] = pd.to_datetime(interactions["date"])
    c = dim_customer
    customers = _pandas(
        conn,
        sa.select(c.c.customer_key.label("customer_id"), c.c.is_customer, c.c.segment, c.c.first_seen),
        ["customer_id", "is_customer", "segment", "first_seen"],
    )
    customers = customers.merge(_firmographics(conn), on="customer_id", how="left")
    as_of = pd.Timestamp(sales["date"].max()) if len(sales) else pd.Timestamp("1970-01-01")
    kpi = _pandas(conn, sa.select(mart_kpi_daily.c.day, mart_kpi_daily.c.revenue), ["day", "revenue"])
    revenue = kpi.set_index(pd.to_datetime(kpi["day"]))["revenue"].astype(float).sort_index()
    revenue = revenue[revenue.index <= as_of].asfreq("D", fill_value=0.0).rename("revenue")
    return Inputs(sales.sort_values(["customer_id", "date"]), interactions, customers, revenue, as_of)


def _pandas(conn: Connection, query: sa.Select[Any], columns: list[str]) -> pd.DataFrame:
    frame = read_frame(conn, query)
    return frame.to_pandas() if frame.height else pd.DataFrame({c: [] for c in columns})


def _firmographics(conn: Connection) -> pd.DataFrame:
    """Per golden customer, from lead, listing and profile records only (never the sales ledger)."""
    s, x = stg_customer, customer_xref
    rows = _pandas(
        conn,
        sa.select(
            x.c.customer_key.label("customer_id"),
            s.c.entity,
            s.c.lead_value,
            s.c.rating,
            s.c.followers,
            s.c.website,
            s.c.email,
            s.c.phone,
        )  # fmt: skip
        .join(s, (s.c.source == x.c.source) & (s.c.source_key == x.c.source_key))
        .where(s.c.entity.in_(["Lead", "Listing", "Profile"])),
        ["customer_id", "entity", "lead_value", "rating", "followers", "website", "email", "phone"],
    )
    flags = rows.assign(
        has_lead=rows["entity"] == "Lead",
        has_listing=rows["entity"] == "Listing",
        has_profile=rows["entity"] == "Profile",
        has_website=rows["website"].notna(),
        has_email=rows["email"].notna(),
        has_phone=rows["phone"].notna(),
    )
    columns = ["has_lead", "has_listing", "has_profile", "has_website", "has_email", "has_phone"]
    grouped = flags.groupby("customer_id")
    out = grouped[columns].max().astype(float)
    for name in ("lead_value", "rating", "followers"):
        out[name] = pd.to_numeric(grouped[name].max(), errors="coerce")
    return out.reset_index()


# --- training --------------------------------------------------------------------------------------


def train_if_due(
    conn: Connection,
    inputs: Inputs,
    model_dir: Path,
    now: dt.datetime,
    batch_id: int | None = None,
    force: bool = False,
) -> list[Decision]:
    """Train and register every model whose retraining is due (or all, with `force`)."""
    decisions: list[Decision] = []
    sentiment = comment_sentiment(inputs.interactions)
    for name, build in PROBLEMS.items():
        problem = build(inputs, sentiment)
        if problem is None:
            logger.warning("%s: not enough labelled history to train", name)
            continue
        metric, current = METRICS[name], registry.champion(conn, name)
        due, why = _due(current, problem, metric, inputs.as_of.date(), model_dir, name)
        if not (due or force):
            logger.info("%s v%s stays champion: %s", name, current and current["version"], why)
            continue
        try:
            fitted = problem.fit()
        except Exception:
            logger.exception("%s: training failed; the champion (if any) keeps scoring", name)
            continue
        candidate = Candidate(
            model=name,
            algorithm=problem.algorithm,
            fitted=fitted,
            train_start=problem.train_start,
            train_end=inputs.as_of.date(),
            rows=problem.rows,
            features=problem.features,
            metrics=problem.rescore(fitted),
            holdout=problem.holdout,
        )
        logger.info("%s: training (%s)", name, "forced" if force and not due else why)
        decisions.append(
            registry.register(conn, model_dir, candidate, metric, problem.rescore, now, batch_id)
        )
    return decisions


def _due(
    current: dict[str, Any] | None,
    problem: Problem,
    metric: Metric,
    data_end: dt.date,
    model_dir: Path,
    name: str,
) -> tuple[bool, str]:
    if current is None:
        return True, "no champion yet"
    try:
        fitted = registry.load_fitted(model_dir, name, int(current["version"]), current["metrics"])
    except FileNotFoundError:
        return True, f"champion v{current['version']}'s fitted model is missing"
    unchanged = current["train_end"] == data_end and current["rows"] == problem.rows
    recent = None if unchanged else float(problem.rescore(fitted)[metric.name])
    return registry.retrain_due(current, data_end, problem.rows, metric, recent)


def _split(index: pd.Index) -> tuple[pd.Series, str]:
    hold = registry.in_holdout(index)
    return hold, f"{int(hold.sum())} of {len(index)} customers (fixed key hash, {registry.HOLDOUT_SHARE}%)"


def _classifier_problem(
    x: pd.DataFrame, y: pd.Series, algorithm: str, holdout: str, train_start: dt.date
) -> Problem | None:
    from models.churn import ChurnModel, classification_metrics

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

    return Problem(
        algorithm=algorithm,
        rows=len(x),
        features=list(x.columns),
        train_start=train_start,
        holdout=f"{where}; {holdout}",
        fit=lambda: ChurnModel().fit(x[train], y[train]),
        rescore=rescore,
    )


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
    from models.clv import rfm_summary

    cutoff = inputs.as_of - pd.Timedelta(days=CHURN_DAYS)
    summary = rfm_summary(inputs.sales, cutoff, inputs.as_of).sort_index()
    hold, where = _split(summary.index)
    train, test = summary[~hold], summary[hold]
    if (train["frequency"] > 0).sum() < MIN_POSITIVES or test.empty:
        return None

    def rescore(fitted: Any) -> dict[str, float]:
        predicted = clv_models(fitted)[0].predict(test, CHURN_DAYS / 7.0)
        actual = test["frequency_holdout"]
        return {
            "mae": float((predicted - actual).abs().mean()),
            "total_error_pct": float(100.0 * (predicted.sum() / max(actual.sum(), 1.0) - 1.0)),
            "actual_purchases": float(actual.sum()),
        }

    return Problem(
        algorithm="bgnbd+gamma_gamma",
        rows=len(summary),
        features=["frequency", "recency", "T", "monetary_value"],
        train_start=inputs.sales["date"].min().date(),
        holdout=f"{where}; calibrated to {cutoff.date()}, purchases to {inputs.as_of.date()}",
        fit=lambda: fit_clv(train),
        rescore=rescore,
    )


def forecast_problem(inputs: Inputs, sentiment: pd.DataFrame) -> Problem | None:
    y = inputs.revenue
    if len(y) < 4 * FORECAST_DAYS:
        return None
    train, actual = y.iloc[:-FORECAST_DAYS], y.iloc[-FORECAST_DAYS:]

    def rescore(fitted: Any) -> dict[str, float]:
        point = daily_candidates(train, FORECAST_DAYS, fitted["members"]).mean(axis=1)
        return {"wape": wape(actual, point), "backtest_wape": float(fitted["backtest_wape"])}

    return Problem(
        algorithm="ensemble(prophet, statsforecast) by backtest",
        rows=len(y),
        features=["revenue"],
        train_start=y.index[0].date(),
        holdout=f"last {FORECAST_DAYS} days of daily revenue to {y.index[-1].date()}",
        fit=lambda: choose_forecast(train, FORECAST_DAYS),
        rescore=rescore,
    )


def fit_clv(summary: pd.DataFrame) -> dict[str, Any]:
    """BG/NBD and Gamma-Gamma parameters; on a small base that does not converge unpenalised, the
    smallest L2 penalty of `CLV_PENALTIES` that converges (recorded with the parameters)."""
    from models.clv import PurchaseModel, SpendModel

    def purchases(penalty: float) -> dict[str, float]:
        return PurchaseModel.fit(summary, f"bgnbd_l2={penalty}" if penalty else "bgnbd").params

    def spend(penalty: float) -> dict[str, float]:
        return SpendModel.fit(summary, penalizer=penalty).params

    out: dict[str, Any] = {}
    fitters: dict[str, Callable[[float], dict[str, float]]] = {"bgnbd": purchases, "gamma_gamma": spend}
    for key, fit in fitters.items():
        for penalty in CLV_PENALTIES:
            try:
                out[key], out[f"{key}_penalty"] = fit(penalty), penalty
                break
            except Exception as e:  # lifetimes raises ConvergenceError (or a numpy error) when it fails
                logger.info("clv: %s did not converge at penalty %s: %s", key, penalty, e)
        else:
            raise RuntimeError(f"clv: {key} did not converge at any penalty in {CLV_PENALTIES}")
    return out


def clv_models(fitted: Mapping[str, Any]) -> tuple[Any, Any]:
    """BG/NBD and Gamma-Gamma rebuilt from their fitted parameters (lifetimes' fitters do not pickle)."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    from models.clv import PurchaseModel, SpendModel

    purchase, spend = BetaGeoFitter(), GammaGammaFitter()
    purchase.params_ = pd.Series(dict(fitted["bgnbd"]))
    spend.params_ = pd.Series(dict(fitted["gamma_gamma"]))
    return PurchaseModel(name="bgnbd", fitters={0: purchase}), SpendModel(fitter=spend)


PROBLEMS: dict[str, Callable[[Inputs, pd.DataFrame], Problem | None]] = {
    "churn": churn_problem,
    "clv": clv_problem,
    "lead_score": lead_problem,
    "forecast": forecast_problem,
}

# --- daily revenue forecast -------------------------------------------------------------------------

#: Candidates for a daily series. AutoARIMA is left out: 9-15 s per fit on two years of days, and it
#: ranked last on the demo's holdout.
DAILY_CANDIDATES: tuple[str, ...] = ("prophet", "AutoETS", "AutoTheta", "AutoCES", "SeasonalNaive")


def wape(actual: pd.Series, predicted: pd.Series) -> float:
    """Weighted absolute percentage error, in percent (defined on days with zero revenue, unlike MAPE)."""
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    return float(100.0 * np.abs(a - p).sum() / max(np.abs(a).sum(), 1e-9))


def daily_candidates(y: pd.Series, horizon: int, names: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Point forecasts of the named candidates for the `horizon` days after `y` (weekly season)."""
    from statsforecast import StatsForecast
    from statsforecast import models as sf

    index = pd.date_range(y.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    out = pd.DataFrame(index=index)
    stats = [n for n in names if n != "prophet"]
    if stats:
        frame = pd.DataFrame({"unique_id": "y", "ds": y.index, "y": y.to_numpy(dtype=float)})
        models = [getattr(sf, n)(season_length=7) for n in stats]
        forecast = StatsForecast(models=models, freq="D", n_jobs=1).forecast(df=frame, h=horizon)
        for n in stats:
            column = "CES" if n == "AutoCES" and "CES" in forecast.columns else n
            out[n] = np.asarray(forecast[column], dtype=float)
    if "prophet" in names:
        from prophet import Prophet

        for logger_name in ("cmdstanpy", "prophet"):
            logging.getLogger(logger_name).setLevel(logging.WARNING)
        model = Prophet(yearly_seasonality=len(y) >= 365, weekly_seasonality=True, daily_seasonality=False)
        model.fit(pd.DataFrame({"ds": y.index, "y": y.to_numpy(dtype=float)}))
        future = model.make_future_dataframe(periods=horizon, freq="D", include_history=False)
        out["prophet"] = model.predict(future)["yhat"].to_numpy(dtype=float)
    return out[list(names)]


def choose_forecast(y: pd.Series, horizon: int, origins: int = 2, top_k: int = 3) -> dict[str, Any]:
    """Rank `DAILY_CANDIDATES` by a rolling-origin backtest on `y`; keep the best `top_k` and the error
    quantiles of their mean (the 80% interval)."""
    errors: dict[str, list[float]] = {n: [] for n in DAILY_CANDIDATES}
    folds = []
    for k in range(origins, 0, -1):
        cut = len(y) - k * horizon
        predicted = daily_candidates(y.iloc[:cut], horizon, DAILY_CANDIDATES)
        actual = y.iloc[cut : cut + horizon]
        folds.append((actual, predicted))
        for name in DAILY_CANDIDATES:
            errors[name].append(wape(actual, predicted[name]))
    ranked = sorted(DAILY_CANDIDATES, key=lambda n: (float(np.mean(errors[n])), n))
    members = ranked[:top_k]
    residuals = np.concatenate([a.to_numpy() - p[members].mean(axis=1).to_numpy() for a, p in folds])
    return {
        "members": members,
        "backtest_wape": float(np.mean([wape(a, p[members].mean(axis=1)) for a, p in folds])),
        "candidate_wape": {n: float(np.mean(errors[n])) for n in DAILY_CANDIDATES},
        "q10": float(np.quantile(residuals, 0.10)),
        "q90": float(np.quantile(residuals, 0.90)),
    }


# --- scoring ---------------------------------------------------------------------------------------


def build_scores(
    conn: Connection, inputs: Inputs, model_dir: Path, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of mart_customer_score (every golden customer) and mart_sales_forecast, from the champions."""
    from models.clv import customer_lifetime_value, rfm_summary
    from models.descriptive import rfm_scores
    from models.nba import next_best_actions

    champions = {name: registry.champion(conn, name) for name in PROBLEMS}
    fitted: dict[str, Any] = {}
    for name, row in list(champions.items()):
        try:
            if row is not None:
                fitted[name] = registry.load_fitted(model_dir, name, int(row["version"]), row["metrics"])
        except FileNotFoundError as e:
            logger.warning("%s v%s not scored: %s", name, row and row["version"], e)
            champions[name] = None
    as_of = inputs.as_of
    frame = inputs.customers.set_index("customer_id").sort_index()[["is_customer"]].astype(bool)
    for column in _SCORE_COLUMNS:
        frame[column] = np.nan
    if "churn" in fitted:
        x = customer_features(inputs.sales, inputs.interactions, inputs.customers, as_of)
        frame["churn_probability"] = fitted["churn"].predict_proba(x)
        frame["recency_days"] = x["recency_days"]
    if "clv" in fitted:
        purchases, spend = clv_models(fitted["clv"])
        summary = rfm_summary(inputs.sales, as_of)
        frame["clv_12m"] = customer_lifetime_value(summary, purchases, spend, months=12).round(2)
        frame["expected_orders_12m"] = purchases.predict(summary, 365.25 / 7.0)
    if "lead_score" in fitted:
        prospects = pd.Index(frame.index[~frame["is_customer"]], name="customer_id")
        x = prospect_features(inputs.customers, inputs.interactions, prospects, as_of)
        if len(x):
            frame["lead_score"] = fitted["lead_score"].predict_proba(x)
    actions = _actions(frame, inputs, rfm_scores, next_best_actions)
    versions = ",".join(f"{n}:{r['version']}" for n, r in champions.items() if r is not None)
    table = frame.assign(action=actions["action"], action_value=actions["expected_value"])
    scores = [
        {
            "customer_key": int(row["customer_id"]),
            "churn_probability": _num(row["churn_probability"]),
            "clv_12m": _num(row["clv_12m"]),
            "expected_orders_12m": _num(row["expected_orders_12m"]),
            "lead_score": _num(row["lead_score"]),
            "upsell_propensity": None,
            "next_best_action": row["action"],
            "action_value": round(float(row["action_value"]), 2),
            "scored_at": now,
            "model_versions": versions[:200],
        }
        for row in table.reset_index().to_dict("records")
    ]
    return scores, _forecast_rows(inputs.revenue, fitted.get("forecast"), champions.get("forecast"))


_SCORE_COLUMNS = ("churn_probability", "recency_days", "clv_12m", "expected_orders_12m", "lead_score")


def _actions(frame: pd.DataFrame, inputs: Inputs, rfm_scores: Any, next_best_actions: Any) -> pd.DataFrame:
    """models.nba's next best action per customer; customers without model scores get none."""
    table = pd.DataFrame(index=frame.index)
    scored = frame["churn_probability"].notna() & frame["clv_12m"].notna()
    table["is_customer"] = frame["is_customer"] & scored
    table["churn_probability"] = frame["churn_probability"]
    table["clv"] = frame["clv_12m"]
    table["recency_days"] = frame["recency_days"]
    table["lead_conversion_probability"] = frame["lead_score"]
    recent = inputs.as_of - pd.Timedelta(days=OPEN_COMPLAINT_DAYS)
    complaints = inputs.interactions[
        (inputs.interactions["kind"] == "complaint")
        & inputs.interactions["date"].between(recent, inputs.as_of)
    ]
    table["open_complaint"] = table.index.isin(set(complaints["customer_id"]))
    rfm = rfm_scores(inputs.sales, inputs.as_of, order_col=None)
    table["segment"] = rfm["segment"].reindex(table.index)
    table = table[table["is_customer"] | ~frame["is_customer"]]  # customers without scores: no action
    actions: pd.DataFrame = next_best_actions(table).reindex(frame.index)
    actions["expected_value"] = actions["expected_value"].fillna(0.0)
    actions["action"] = [a if isinstance(a, str) else None for a in actions["action"]]
    return actions


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _forecast_rows(
    revenue: pd.Series, fitted: Mapping[str, Any] | None, row: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    if fitted is None or row is None:
        return []
    point = daily_candidates(revenue, FORECAST_DAYS, fitted["members"]).mean(axis=1)
    name = f"mean({'+'.join(fitted['members'])})"[:80]
    return [
        {
            "day": pd.Timestamp(str(day)).date(),
            "forecast": round(max(float(value), 0.0), 2),
            "lower_80": round(max(float(value) + fitted["q10"], 0.0), 2),
            "upper_80": round(max(float(value) + fitted["q90"], 0.0), 2),
            "model": name,
            "version": int(row["version"]),
        }
        for day, value in point.items()
    ]
