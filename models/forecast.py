"""Sales forecasting: prophet (the design card's model) against statsforecast challengers.

`fit_forecast` ranks every candidate by a rolling-origin backtest on the series it is given (the training
part only), averages the best `top_k`, and derives prediction intervals from that ensemble's own backtest
errors (split-conformal style), so the holdout is never seen when choosing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

STATS_MODELS: tuple[str, ...] = ("AutoETS", "AutoARIMA", "AutoTheta", "AutoCES", "SeasonalNaive")
PROPHET_SCALES: tuple[float, ...] = (0.01, 0.05, 0.5)


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


def statsforecast_candidates(y: pd.Series, horizon: int, season_length: int = 12) -> pd.DataFrame:
    """Forecasts of the statsforecast models, on the raw series and (if positive) on its log."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, AutoTheta, SeasonalNaive

    out: dict[str, np.ndarray] = {}
    transforms = [("", False)] + ([("log_", True)] if bool((y > 0).all()) else [])
    for prefix, use_log in transforms:
        values = np.log(y.to_numpy(dtype=float)) if use_log else y.to_numpy(dtype=float)
        frame = pd.DataFrame({"unique_id": "y", "ds": y.index, "y": values})
        models = [
            AutoETS(season_length=season_length),
            AutoARIMA(season_length=season_length),
            AutoTheta(season_length=season_length),
            AutoCES(season_length=season_length),
            SeasonalNaive(season_length=season_length),
        ]
        forecast = StatsForecast(models=models, freq=_freq(y), n_jobs=1).forecast(df=frame, h=horizon)
        for column in [c for c in forecast.columns if c not in ("unique_id", "ds")]:
            name = "AutoCES" if column == "CES" else str(column)
            if use_log and name == "SeasonalNaive":
                continue
            predicted = np.asarray(forecast[column], dtype=float)
            out[prefix + name] = np.exp(predicted) if use_log else predicted
    index = pd.date_range(y.index[-1], periods=horizon + 1, freq=_freq(y))[1:]
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
    y: pd.Series, horizon: int, season_length: int = 12, with_prophet: bool = True
) -> pd.DataFrame:
    """Every candidate's point forecast, one column each (prophet's can be left out for speed)."""
    frames = [statsforecast_candidates(y, horizon, season_length)]
    if with_prophet:
        frames.append(prophet_candidates(y, horizon))
    return pd.concat(frames, axis=1)


def backtest(
    y: pd.Series, horizon: int, origins: int = 3, season_length: int = 12, with_prophet: bool = True
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
        forecasts = all_candidates(y.iloc[:cut], horizon, season_length, with_prophet)
        forecasts["actual"] = y.iloc[cut : cut + horizon].to_numpy()
        out[k] = forecasts
    return out


@dataclass
class ForecastResult:
    """The chosen ensemble's forecast with intervals, and how every candidate scored in the backtest."""

    forecast: pd.DataFrame
    members: list[str]
    backtest_mape: pd.Series
    candidates: pd.DataFrame


def fit_forecast(
    y: pd.Series,
    horizon: int = 12,
    *,
    top_k: int = 3,
    origins: int = 3,
    season_length: int = 12,
    with_prophet: bool = True,
) -> ForecastResult:
    """Backtest all candidates on `y`, average the `top_k` best, forecast `horizon` steps with 80/95% PIs."""
    _freq(y)
    folds = backtest(y, horizon, origins, season_length, with_prophet)
    names = [c for c in next(iter(folds.values())).columns if c != "actual"]
    scores = pd.Series({n: np.mean([mape(f["actual"], f[n]) for f in folds.values()]) for n in names})
    scores = scores.sort_values()
    members = list(scores.index[:top_k])
    ratios = np.concatenate(
        [(f["actual"] / f[members].mean(axis=1)).to_numpy() - 1.0 for f in folds.values()]
    )
    candidates = all_candidates(y, horizon, season_length, with_prophet)
    point = candidates[members].mean(axis=1)
    forecast = pd.DataFrame({"yhat": point}, index=candidates.index)
    for level, (low, high) in {80: (0.10, 0.90), 95: (0.025, 0.975)}.items():
        forecast[f"lo{level}"] = point * (1.0 + np.quantile(ratios, low))
        forecast[f"hi{level}"] = point * (1.0 + np.quantile(ratios, high))
    logger.info("forecast ensemble %s (backtest MAPE %s)", members, scores[members].round(2).to_dict())
    return ForecastResult(forecast=forecast, members=members, backtest_mape=scores, candidates=candidates)
