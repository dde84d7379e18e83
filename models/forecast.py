"""Sales forecasting: prophet (the design card's model) against statsforecast challengers.

`fit_forecast` ranks every candidate by a rolling-origin backtest on the series it is given (the training
part only) and combines them by a rule (mean or median of the k best) that is itself chosen on the same
backtest, prequentially: at each later origin the candidates are ranked on the earlier origins only, so a
rule is judged the way it will be used. Prediction intervals come from the chosen combination's own
backtest errors (split-conformal style). The holdout is never seen when choosing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

STATS_MODELS: tuple[str, ...] = (
    "AutoETS", "AutoARIMA", "AutoTheta", "AutoCES", "SeasonalNaive",
    "MSTL", "DynamicOptimizedTheta", "SeasWA", "HoltWinters", "RobustSTL",
)  # fmt: skip
#: Candidates of our own (`robust_stl_forecast`), fitted on the log series only: additive seasonality there
#: is multiplicative on the series.
LOG_ONLY_MODELS: tuple[str, ...] = ("RobustSTL",)
PROPHET_SCALES: tuple[float, ...] = (0.01, 0.05, 0.5)
#: Combination rules (how, k): mean or median of the k best by backtest; k=0 means every candidate.
RULES: tuple[tuple[str, int], ...] = (
    ("mean", 1), ("mean", 3), ("mean", 5), ("mean", 10), ("mean", 0),
    ("median", 3), ("median", 5), ("median", 10), ("median", 0),
)  # fmt: skip
#: Origins used only to rank candidates before a rule is first scored in the prequential backtest.
MIN_PRIOR_ORIGINS = 2


def mape(actual: pd.Series | np.ndarray, predicted: pd.Series | np.ndarray) -> float:
    """Mean absolute percentage error, in percent."""
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    return float(np.mean(np.abs((a - p) / a)) * 100.0)


def _freq(y: pd.Series) -> str:
    if not isinstance(y.index, pd.DatetimeIndex):
        raise ValueError(f"series {y.name!r}: index must be a DatetimeIndex, got {type(y.index).__name__}")
    freq = y.index.freqstr or pd.infer_freq(y.index)
    if freq is None:
        raise ValueError(f"series {y.name!r}: cannot infer a regular frequency from its index")
    return str(freq)


def days_in_period(index: pd.DatetimeIndex) -> np.ndarray | None:
    """Calendar days in each period of a monthly index (for sales-per-day adjustment); None otherwise."""
    freq = index.freqstr or pd.infer_freq(index) or ""
    if not freq.startswith("M"):
        return None
    return np.asarray(index.days_in_month, dtype=float)


def series_transforms(
    y: pd.Series, future: pd.DatetimeIndex
) -> list[tuple[str, np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """(prefix, values to model, back-transform of a forecast): raw; log and log of sales per calendar day
    when the series is positive (the per-day form removes month-length and leap-year noise)."""
    values = y.to_numpy(dtype=float)
    out: list[tuple[str, np.ndarray, Callable[[np.ndarray], np.ndarray]]] = [("", values, lambda f: f)]
    if not bool((values > 0).all()):
        return out
    out.append(("log_", np.log(values), np.exp))
    past, ahead = days_in_period(pd.DatetimeIndex(y.index)), days_in_period(future)
    if past is not None and ahead is not None:
        days_ahead = ahead
        out.append(("log_per_day_", np.log(values / past), lambda f: np.exp(f) * days_ahead))
    return out


def stats_model(name: str, season_length: int, additive: bool) -> Any:
    """The statsforecast model called `name` in `STATS_MODELS` (Holt-Winters errors additive on log series)."""
    from statsforecast import models as sf

    factories: dict[str, Callable[[], Any]] = {
        "AutoETS": lambda: sf.AutoETS(season_length=season_length),
        "AutoARIMA": lambda: sf.AutoARIMA(season_length=season_length),
        "AutoTheta": lambda: sf.AutoTheta(season_length=season_length),
        "AutoCES": lambda: sf.AutoCES(season_length=season_length, alias="AutoCES"),
        "SeasonalNaive": lambda: sf.SeasonalNaive(season_length=season_length),
        "MSTL": lambda: sf.MSTL(
            season_length=season_length, trend_forecaster=sf.AutoETS(model="ZZN"), alias="MSTL"
        ),
        "DynamicOptimizedTheta": lambda: sf.DynamicOptimizedTheta(season_length=season_length),
        "SeasWA": lambda: sf.SeasonalWindowAverage(
            season_length=season_length, window_size=3, alias="SeasWA"
        ),
        "HoltWinters": lambda: sf.HoltWinters(
            season_length=season_length, error_type="A" if additive else "M", alias="HoltWinters"
        ),
    }
    if name not in factories:
        raise ValueError(f"unknown statsforecast candidate {name!r}; choose from {sorted(factories)}")
    return factories[name]()


def robust_stl_forecast(values: np.ndarray, horizon: int, season_length: int) -> np.ndarray:
    """Robust STL with one seasonal line per season position across the whole series, ETS on the rest.

    The seasonal smoother spans the series (each month's seasonal effect moves only along a straight line
    over the years) and robustness weights play down outlying months, so one odd year does not set next
    year's seasonal pattern; AutoETS without seasonality forecasts the seasonally adjusted series.
    """
    from statsforecast.models import AutoETS
    from statsmodels.tsa.seasonal import STL

    fit = STL(values, period=season_length, seasonal=2 * len(values) + 1, robust=True).fit()
    seasonal = np.asarray(fit.seasonal, dtype=float)
    adjusted = np.asarray(values, dtype=float) - seasonal
    trend = np.asarray(AutoETS(model="ZZN").forecast(y=adjusted, h=horizon)["mean"], dtype=float)
    last_season = seasonal[-season_length:]
    out: np.ndarray = trend + last_season[np.arange(horizon) % season_length]
    return out


def statsforecast_candidates(
    y: pd.Series, horizon: int, season_length: int = 12, stats_models: tuple[str, ...] = STATS_MODELS
) -> pd.DataFrame:
    """Forecasts of the named models (`STATS_MODELS`) on the raw series and its transforms."""
    from statsforecast import StatsForecast

    index = pd.date_range(y.index[-1], periods=horizon + 1, freq=_freq(y))[1:]
    out: dict[str, np.ndarray] = {}
    for prefix, values, back in series_transforms(y, index):
        frame = pd.DataFrame({"unique_id": "y", "ds": y.index, "y": values})
        skip = {"SeasonalNaive"} if prefix == "log_" else set()  # the log one equals the raw one
        models = [
            stats_model(name, season_length, additive=bool(prefix))
            for name in stats_models
            if name not in skip and name not in LOG_ONLY_MODELS
        ]
        if models:
            forecast = StatsForecast(models=models, freq=_freq(y), n_jobs=1).forecast(df=frame, h=horizon)
            for column in [c for c in forecast.columns if c not in ("unique_id", "ds")]:
                out[prefix + str(column)] = back(np.asarray(forecast[column], dtype=float))
        if prefix and "RobustSTL" in stats_models:
            out[prefix + "RobustSTL"] = back(robust_stl_forecast(values, horizon, season_length))
    return pd.DataFrame(out, index=index)


def prophet_candidates(y: pd.Series, horizon: int) -> pd.DataFrame:
    """Default prophet, plus multiplicative-yearly prophet at a few changepoint prior scales."""
    from prophet import Prophet

    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.WARNING)
    history = pd.DataFrame({"ds": y.index, "y": y.to_numpy(dtype=float)})
    configs: dict[str, dict[str, object]] = {"prophet": {}}
    for scale in PROPHET_SCALES:
        configs[f"prophet_mult_cps{scale}"] = {
            "seasonality_mode": "multiplicative",
            "yearly_seasonality": True,
            "weekly_seasonality": False,
            "daily_seasonality": False,
            "changepoint_prior_scale": scale,
        }
    out: dict[str, np.ndarray] = {}
    for name, kwargs in configs.items():
        model = Prophet(**kwargs)  # type: ignore[arg-type]
        model.fit(history)
        future = model.make_future_dataframe(periods=horizon, freq=_freq(y), include_history=False)
        out[name] = model.predict(future)["yhat"].to_numpy(dtype=float)
    index = pd.date_range(y.index[-1], periods=horizon + 1, freq=_freq(y))[1:]
    return pd.DataFrame(out, index=index)


def all_candidates(
    y: pd.Series,
    horizon: int,
    season_length: int = 12,
    with_prophet: bool = True,
    stats_models: tuple[str, ...] = STATS_MODELS,
) -> pd.DataFrame:
    """Every candidate's point forecast, one column each (prophet's can be left out for speed)."""
    frames = [statsforecast_candidates(y, horizon, season_length, stats_models)]
    if with_prophet:
        frames.append(prophet_candidates(y, horizon))
    return pd.concat(frames, axis=1)


def backtest(
    y: pd.Series,
    horizon: int,
    origins: int = 3,
    season_length: int = 12,
    with_prophet: bool = True,
    stats_models: tuple[str, ...] = STATS_MODELS,
) -> dict[int, pd.DataFrame]:
    """Rolling-origin backtest on `y`: for k = origins..1 fit on y[:-k*horizon] and forecast `horizon` steps.

    Returns, per origin k, a frame of candidate forecasts with an `actual` column.
    """
    out: dict[int, pd.DataFrame] = {}
    for k in range(origins, 0, -1):
        cut = len(y) - k * horizon
        if cut < 3 * season_length:
            raise ValueError(
                f"series {y.name!r}: too short for {origins} backtest origins of {horizon} steps"
            )
        forecasts = all_candidates(y.iloc[:cut], horizon, season_length, with_prophet, stats_models)
        forecasts["actual"] = y.iloc[cut : cut + horizon].to_numpy()
        out[k] = forecasts
    return out


def combine(forecasts: pd.DataFrame, scores: pd.Series, rule: tuple[str, int]) -> pd.Series:
    """Mean or median of the `k` lowest-scoring columns of `forecasts` (`k=0`: all scored columns)."""
    how, k = rule
    ranked = list(scores.sort_values(kind="stable").index)
    members = ranked[:k] if k > 0 else ranked
    chosen = forecasts[members]
    return chosen.mean(axis=1) if how == "mean" else chosen.median(axis=1)


def backtest_errors(folds: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """MAPE of every candidate (rows) at every backtest origin (columns, oldest first)."""
    origins = sorted(folds, reverse=True)
    names = [c for c in folds[origins[0]].columns if c != "actual"]
    return pd.DataFrame({k: {n: mape(folds[k]["actual"], folds[k][n]) for n in names} for k in origins})


def prequential_rule_errors(
    folds: dict[int, pd.DataFrame],
    rules: tuple[tuple[str, int], ...] = RULES,
    min_prior: int = MIN_PRIOR_ORIGINS,
) -> pd.Series:
    """Mean MAPE of each rule over origins after the first `min_prior`, ranking on earlier origins only."""
    errors = backtest_errors(folds)
    origins = sorted(folds, reverse=True)
    table: dict[str, list[float]] = {rule_name(r): [] for r in rules}
    for i in range(min_prior, len(origins)):
        scores = errors[origins[:i]].mean(axis=1)
        fold = folds[origins[i]]
        for rule in rules:
            table[rule_name(rule)].append(mape(fold["actual"], combine(fold, scores, rule)))
    return pd.Series({name: float(np.mean(values)) for name, values in table.items()})


def rule_name(rule: tuple[str, int]) -> str:
    """`mean3`, `median5`, `median_all`: how a combination rule is printed."""
    how, k = rule
    return f"{how}{k}" if k > 0 else f"{how}_all"


def choose_rule(
    folds: dict[int, pd.DataFrame],
    rules: tuple[tuple[str, int], ...] = RULES,
    min_prior: int = MIN_PRIOR_ORIGINS,
    default: tuple[str, int] = ("mean", 3),
) -> tuple[tuple[str, int], pd.Series]:
    """The rule with the lowest prequential backtest MAPE (first wins ties); `default` with too few origins."""
    if len(folds) <= min_prior:
        return default, pd.Series(dtype=float)
    table = prequential_rule_errors(folds, rules, min_prior)
    best = min(rules, key=lambda r: table[rule_name(r)])
    return best, table


@dataclass
class ForecastResult:
    """The chosen combination's forecast with intervals, and how every candidate and rule scored in the backtest."""

    forecast: pd.DataFrame
    members: list[str]
    backtest_mape: pd.Series
    candidates: pd.DataFrame
    rule: str = "mean3"
    rule_mape: pd.Series | None = None


def fit_forecast(
    y: pd.Series,
    horizon: int = 12,
    *,
    origins: int = 6,
    season_length: int = 12,
    with_prophet: bool = True,
    stats_models: tuple[str, ...] = STATS_MODELS,
    rules: tuple[tuple[str, int], ...] = RULES,
) -> ForecastResult:
    """Backtest all candidates on `y`, combine them by the prequentially best rule, forecast with 80/95% PIs."""
    _freq(y)
    origins = max(1, min(origins, (len(y) - 3 * season_length) // horizon))
    folds = backtest(y, horizon, origins, season_length, with_prophet, stats_models)
    scores = backtest_errors(folds).mean(axis=1).sort_values(kind="stable")
    rule, rule_table = choose_rule(folds, rules)
    members = list(scores.index[: rule[1]] if rule[1] > 0 else scores.index)
    ratios = np.concatenate(
        [(f["actual"] / combine(f, scores, rule)).to_numpy() - 1.0 for f in folds.values()]
    )
    candidates = all_candidates(y, horizon, season_length, with_prophet, stats_models)
    point = combine(candidates, scores, rule)
    forecast = pd.DataFrame({"yhat": point}, index=candidates.index)
    for level, (low, high) in {80: (0.10, 0.90), 95: (0.025, 0.975)}.items():
        forecast[f"lo{level}"] = point * (1.0 + np.quantile(ratios, low))
        forecast[f"hi{level}"] = point * (1.0 + np.quantile(ratios, high))
    logger.info("forecast rule %s over %s", rule_name(rule), members)
    return ForecastResult(
        forecast=forecast,
        members=members,
        backtest_mape=scores,
        candidates=candidates,
        rule=rule_name(rule),
        rule_mape=rule_table,
    )
