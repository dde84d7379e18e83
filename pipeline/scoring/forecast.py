"""Daily revenue forecast: candidates, their rolling-origin backtest, and the mart rows of the ensemble."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FORECAST_DAYS = 90

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


def forecast_rows(
    revenue: pd.Series, fitted: Mapping[str, Any] | None, row: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Rows of mart_sales_forecast from the fitted ensemble (none without a champion)."""
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
