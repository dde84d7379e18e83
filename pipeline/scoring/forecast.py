"""Daily revenue forecast: candidates, their rolling-origin backtest, and the mart rows of the ensemble."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipeline.scoring.selection import ROLLING, Figures, Selection

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


#: The plain baseline: always a candidate on its own, kept when no ensemble beats it.
BASELINE = "SeasonalNaive"
#: Rolling origins of the backtest: 4 × 90 days tile the last year, so seasonal peaks fall in some windows
#: only. Shorter histories get fewer (at least 2), each origin keeping at least `MIN_TRAIN_DAYS` to fit on.
ORIGINS = 4
MIN_TRAIN_DAYS = 90
#: Grains users read forecasts at, with the pandas period they aggregate days to.
GRAINS: dict[str, str] = {"week": "W-SUN", "month": "M"}
#: Quantiles of actual/forecast per period: the 95 % and 80 % intervals at each grain.
QUANTILES: dict[str, float] = {"q025": 0.025, "q10": 0.10, "q90": 0.90, "q975": 0.975}


def complete_periods(actual: pd.Series, predicted: pd.Series, grain: str) -> pd.DataFrame:
    """Sum daily actuals and forecasts per week or month, keeping only periods the window covers whole."""
    frame = pd.DataFrame(
        {"actual": actual.to_numpy(dtype=float), "predicted": predicted.to_numpy(dtype=float)}
    )
    periods = pd.DatetimeIndex(actual.index).to_period(GRAINS[grain])
    frame["period"] = periods
    sums = frame.groupby("period").agg(
        actual=("actual", "sum"), predicted=("predicted", "sum"), days=("actual", "size")
    )
    lengths = [(p.end_time.normalize() - p.start_time.normalize()).days + 1 for p in sums.index]
    whole: pd.DataFrame = sums[sums["days"].to_numpy() == np.asarray(lengths)][["actual", "predicted"]]
    return whole


def grain_accuracy(folds: list[tuple[pd.Series, pd.Series]]) -> dict[str, float]:
    """WAPE and actual/forecast quantiles of whole weeks and months over the backtest windows."""
    out: dict[str, float] = {}
    for grain in GRAINS:
        periods = pd.concat([complete_periods(a, p, grain) for a, p in folds])
        if periods.empty:
            continue
        out[f"backtest_wape_{grain}"] = wape(periods["actual"], periods["predicted"])
        out[f"backtest_periods_{grain}"] = float(len(periods))
        ratio = (periods["actual"] / periods["predicted"].clip(lower=1e-9)).to_numpy(dtype=float)
        for key, q in QUANTILES.items():
            out[f"ratio_{key}_{grain}"] = float(np.quantile(ratio, q))
    return out


def choose_forecast(y: pd.Series, horizon: int, origins: int = ORIGINS, top_k: int = 3) -> dict[str, Any]:
    """Choose the forecast by a rolling-origin backtest on `y`: the mean of the best `top_k` candidates,
    or the seasonal naive baseline alone when the ensemble's mean WAPE over the origins is no better.

    Returns the members, every origin's WAPE, the daily 80 %/95 % error quantiles and, per grain (week,
    month), the backtest WAPE and actual/forecast quantiles used for the intervals on screen."""
    origins = max(2, min(origins, (len(y) - MIN_TRAIN_DAYS) // horizon))
    errors: dict[str, list[float]] = {n: [] for n in DAILY_CANDIDATES}
    folds = []
    cutoffs = []
    for k in range(origins, 0, -1):
        cut = len(y) - k * horizon
        cutoffs.append(str(y.index[cut - 1].date()))
        predicted = daily_candidates(y.iloc[:cut], horizon, DAILY_CANDIDATES)
        actual = y.iloc[cut : cut + horizon]
        folds.append((actual, predicted))
        for name in DAILY_CANDIDATES:
            errors[name].append(wape(actual, predicted[name]))
    ranked = sorted(DAILY_CANDIDATES, key=lambda n: (float(np.mean(errors[n])), n))
    members = ranked[:top_k]
    ensemble = [wape(a, p[members].mean(axis=1)) for a, p in folds]
    if float(np.mean(errors[BASELINE])) <= float(np.mean(ensemble)):
        members, ensemble = [BASELINE], errors[BASELINE]
    points = [(a, p[members].mean(axis=1)) for a, p in folds]
    residuals = np.concatenate([a.to_numpy() - p.to_numpy() for a, p in points])
    return {
        "members": members,
        "backtest_wape": float(np.mean(ensemble)),
        "origin_wape": [float(e) for e in ensemble],
        "baseline_wape": float(np.mean(errors[BASELINE])),
        "candidate_wape": {n: float(np.mean(errors[n])) for n in DAILY_CANDIDATES},
        "candidate_origin_wape": {n: [float(e) for e in errors[n]] for n in DAILY_CANDIDATES},
        "origin_cutoffs": cutoffs,
        "origin_days": horizon,
        "q025": float(np.quantile(residuals, 0.025)),
        "q10": float(np.quantile(residuals, 0.10)),
        "q90": float(np.quantile(residuals, 0.90)),
        "q975": float(np.quantile(residuals, 0.975)),
        "grains": grain_accuracy(points),
    }


def forecast_selection(fitted: Mapping[str, Any]) -> Selection | None:
    """The backtest as a registry selection: every candidate's and the ensemble's WAPE at each origin."""
    per_origin = fitted.get("candidate_origin_wape")
    if not per_origin:
        return None  # fitted before the per-origin figures were kept
    cutoffs, days = fitted["origin_cutoffs"], int(fitted["origin_days"])
    ensemble = ensemble_name(fitted["members"])

    def origins(values: list[float]) -> list[dict[str, Any]]:
        return [{"cutoff": c, "value": float(v), "rows": days} for c, v in zip(cutoffs, values, strict=True)]

    figures = [Figures(n, n == BASELINE, origins(per_origin[n])) for n in DAILY_CANDIDATES]
    if fitted["members"] != [BASELINE]:
        figures.append(Figures(ensemble, False, origins(fitted["origin_wape"])))
    enough = len(cutoffs) >= ORIGINS
    note = "" if enough else f"{len(cutoffs)} origins only: the history is too short for {ORIGINS}"
    rule = (
        f"the mean of the best 3 candidates by mean WAPE over {ORIGINS} rolling {days}-day origins, or the "
        f"seasonal naive baseline alone when that mean is no better"
    )
    chosen = BASELINE if fitted["members"] == [BASELINE] else ensemble
    return Selection(chosen, ROLLING, "wape", figures, note=note, rule=rule)


def ensemble_name(members: list[str]) -> str:
    """How a forecast's members are named in the registry and the mart, e.g. "mean(AutoETS+AutoTheta)"."""
    return f"mean({'+'.join(members)})"[:80]


def backtest_metrics(fitted: Mapping[str, Any]) -> dict[str, float]:
    """The registry figures of a fitted forecast: every origin's WAPE, the baseline's and each grain's."""
    metrics = {"backtest_wape": float(fitted["backtest_wape"])}
    for number, value in enumerate(fitted.get("origin_wape", []), start=1):
        metrics[f"origin{number}_wape"] = float(value)
    if "baseline_wape" in fitted:
        metrics["baseline_backtest_wape"] = float(fitted["baseline_wape"])
    metrics.update({k: float(v) for k, v in fitted.get("grains", {}).items()})
    return metrics


def forecast_rows(
    revenue: pd.Series, fitted: Mapping[str, Any] | None, row: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Rows of mart_sales_forecast from the fitted ensemble (none without a champion)."""
    if fitted is None or row is None:
        return []
    point = daily_candidates(revenue, FORECAST_DAYS, fitted["members"]).mean(axis=1)
    name = ensemble_name(fitted["members"])
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
