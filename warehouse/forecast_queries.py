"""Revenue forecast reads for the portal and the API: actuals, forecast and intervals per week or month, and
the forecast's measured accuracy.

What "90 % accurate" means in this product: **1 − WAPE of whole calendar months of revenue**, forecast up to
90 days ahead, measured by the rolling-origin backtest of the champion forecast (4 origins of 90 days that
tile the last year of its training data; see ``docs/models.md``). The same figure is given at weekly grain.
Intervals at a grain are the forecast times the 2.5/10/90/97.5 % quantiles of actual/forecast over the
backtest's whole periods at that grain (80 % and 95 %), so they are as wide as the forecast has been wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warehouse.engine import Warehouse
from warehouse.schema import mart_kpi_daily, mart_sales_forecast, model_registry

logger = logging.getLogger(__name__)

Grain = Literal["week", "month"]
GRAINS: tuple[Grain, ...] = ("week", "month")
PANDAS_PERIOD: dict[Grain, str] = {"week": "W-SUN", "month": "M"}
#: How many past periods of actuals a series shows.
HISTORY: dict[Grain, int] = {"week": 26, "month": 12}
TARGET_ACCURACY = 0.90
TARGET_GRAIN: Grain = "month"


@dataclass(frozen=True)
class ForecastPoint:
    """One week or month: its actual revenue (to date) and/or forecast with 80 % and 95 % intervals."""

    period_start: dt.date
    actual: float | None
    forecast: float | None
    lower_80: float | None
    upper_80: float | None
    lower_95: float | None
    upper_95: float | None
    partial: bool


@dataclass(frozen=True)
class Accuracy:
    """A forecast's measured accuracy at one grain (1 − WAPE over whole periods of the backtest)."""

    grain: Grain
    accuracy: float
    periods: int
    holdout_accuracy: float | None
    model: str
    version: int
    trained_at: dt.datetime | None

    @property
    def meets_target(self) -> bool:
        return self.accuracy >= TARGET_ACCURACY

    def sentence(self) -> str:
        """The figure in words, e.g. "last 12 months: 92 % accurate at monthly level (1 − WAPE)"."""
        level = "monthly" if self.grain == "month" else "weekly"
        return (
            f"Last 12 months: {self.accuracy * 100:.0f} % accurate at {level} level (1 − WAPE, "
            f"{self.periods} whole {self.grain}s forecast up to 90 days ahead)"
        )


def forecast_days_query() -> sa.Select[Any]:
    """Every day of the stored forecast, oldest first."""
    f = mart_sales_forecast.c
    return sa.select(f.day, f.forecast, f.lower_80, f.upper_80, f.model, f.version).order_by(f.day)


def actual_days_query(start: dt.date) -> sa.Select[Any]:
    """Daily revenue from ``start`` on, oldest first."""
    k = mart_kpi_daily.c
    return sa.select(k.day, k.revenue).where(k.day >= start).order_by(k.day)


def champion_query() -> sa.Select[Any]:
    """The champion forecast's registry row."""
    r = model_registry.c
    return sa.select(r.version, r.algorithm, r.trained_at, r.metrics).where(
        (r.model == "forecast") & (r.status == "champion")
    )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _champion_metrics(warehouse: Warehouse) -> dict[str, Any] | None:
    rows = warehouse.rows(champion_query())
    if not rows:
        return None
    row = rows[0]
    return {**row, "metrics": json.loads(row["metrics"])}


@dataclass(frozen=True)
class _Period:
    start: dt.date
    value: float
    days: int
    length: int


def _period_sums(days: pd.Series, grain: Grain) -> dict[pd.Period, _Period]:
    """Sum a daily series per period, with the number of days present and the period's length."""
    out: dict[pd.Period, _Period] = {}
    if not len(days):
        return out
    periods = pd.DatetimeIndex(days.index).to_period(PANDAS_PERIOD[grain])
    values = days.to_numpy(dtype=float)
    for period in periods.unique():
        mask = np.asarray(periods == period)
        start, end = period.start_time.normalize(), period.end_time.normalize()
        out[period] = _Period(
            start.date(), float(values[mask].sum()), int(mask.sum()), (end - start).days + 1
        )
    return out


def build_series(
    actual: pd.Series, forecast: pd.Series, metrics: dict[str, float], grain: Grain
) -> list[ForecastPoint]:
    """Pure: per-period actuals and forecast with intervals from the backtest's actual/forecast quantiles.

    The period that holds the data end shows its actual to date plus the forecast of its remaining days;
    the last forecast period is dropped unless the forecast covers it whole.
    """
    q = {key: metrics.get(f"ratio_{key}_{grain}") for key in ("q025", "q10", "q90", "q975")}
    past, ahead = _period_sums(actual, grain), _period_sums(forecast, grain)
    history = [period for period in sorted(past) if period not in ahead][-HISTORY[grain] :]
    points = [
        ForecastPoint(past[p].start, past[p].value, None, None, None, None, None, False) for p in history
    ]
    for period in sorted(ahead):
        later, before = ahead[period], past.get(period)
        so_far = before.value if before else 0.0
        if later.days + (before.days if before else 0) < later.length:
            continue

        def bound(key: str, point: float = later.value, so_far: float = so_far) -> float | None:
            ratio = q[key]
            return None if ratio is None else round(so_far + point * float(ratio), 2)

        points.append(
            ForecastPoint(
                later.start,
                round(so_far, 2) if before else None,
                round(so_far + later.value, 2),
                bound("q10"),
                bound("q90"),
                bound("q025"),
                bound("q975"),
                before is not None,
            )
        )
    return points


def forecast_series(warehouse: Warehouse, grain: Grain) -> list[ForecastPoint]:
    """Revenue per week or month: the last periods' actuals, then the forecast with 80 %/95 % intervals."""
    if grain not in GRAINS:
        raise ValueError(f"forecast_series: grain={grain!r} must be one of {GRAINS}")
    days = warehouse.rows(forecast_days_query())
    champion = _champion_metrics(warehouse)
    metrics = champion["metrics"] if champion else {}
    first = _day(days[0]["day"]) if days else None
    start = (first or dt.date.today()) - dt.timedelta(days=400)
    actual_rows = warehouse.rows(actual_days_query(start))
    if not actual_rows:
        return []
    actual = pd.Series(
        [float(r["revenue"]) for r in actual_rows],
        index=pd.DatetimeIndex([_day(r["day"]) for r in actual_rows]),
    )
    forecast = pd.Series(
        [float(r["forecast"]) for r in days],
        index=pd.DatetimeIndex([_day(r["day"]) for r in days]),
        dtype=float,
    )
    return build_series(actual, forecast, metrics, grain)


def forecast_accuracy(warehouse: Warehouse) -> list[Accuracy]:
    """The champion forecast's backtest accuracy at week and month grain (empty before the first training)."""
    champion = _champion_metrics(warehouse)
    if champion is None:
        return []
    metrics = champion["metrics"]
    out = []
    for grain in GRAINS:
        wape = metrics.get(f"backtest_wape_{grain}")
        if wape is None:
            continue
        holdout = metrics.get(f"wape_{grain}")
        trained = champion["trained_at"]
        out.append(
            Accuracy(
                grain=grain,
                accuracy=1.0 - float(wape) / 100.0,
                periods=int(metrics.get(f"backtest_periods_{grain}", 0)),
                holdout_accuracy=None if holdout is None else 1.0 - float(holdout) / 100.0,
                model=str(champion["algorithm"]),
                version=int(champion["version"]),
                trained_at=trained if isinstance(trained, dt.datetime) or trained is None else None,
            )
        )
    return out
