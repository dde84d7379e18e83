"""The forecast reads the portal and the API share, on SQLite and PostgreSQL: weekly and monthly revenue
with the forecast inside its intervals, and the accuracy figure in words."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from warehouse.engine import Warehouse, insert_rows
from warehouse.forecast_queries import build_series, forecast_accuracy, forecast_series
from warehouse.schema import mart_kpi_daily, mart_sales_forecast, model_registry

DATA_END = dt.date(2026, 11, 27)  # a Friday
METRICS = {
    "backtest_wape_month": 8.0,
    "backtest_periods_month": 8.0,
    "wape_month": 12.5,
    "backtest_wape_week": 20.0,
    "backtest_periods_week": 48.0,
    "ratio_q025_month": 0.8,
    "ratio_q10_month": 0.9,
    "ratio_q90_month": 1.1,
    "ratio_q975_month": 1.25,
    "ratio_q025_week": 0.6,
    "ratio_q10_week": 0.8,
    "ratio_q90_week": 1.2,
    "ratio_q975_week": 1.5,
}


def _fill(warehouse: Warehouse) -> None:
    warehouse.create_all()
    start = DATA_END - dt.timedelta(days=399)
    kpis = [
        {
            "day": start + dt.timedelta(days=i),
            "revenue": 100.0,
            "orders": 1,
            "active_customers": 1,
            "new_customers": 0,
        }
        for i in range(400)
    ]
    forecast = [
        {
            "day": DATA_END + dt.timedelta(days=i),
            "forecast": 10.0,
            "lower_80": 5.0,
            "upper_80": 15.0,
            "model": "mean(AutoETS)",
            "version": 1,
        }
        for i in range(1, 91)
    ]
    registry = {
        "model": "forecast",
        "version": 1,
        "status": "champion",
        "algorithm": "ensemble by backtest",
        "trained_at": dt.datetime(2026, 11, 28, 5, 0),
        "train_start": start,
        "train_end": DATA_END,
        "rows": 400,
        "features": json.dumps(["revenue"]),
        "metrics": json.dumps(METRICS),
        "holdout": "last 90 days",
    }
    with warehouse.begin() as conn:
        insert_rows(conn, mart_kpi_daily, kpis)
        insert_rows(conn, mart_sales_forecast, forecast)
        insert_rows(conn, model_registry, [registry])


def test_monthly_series_shows_a_year_of_actuals_then_the_forecast_inside_its_intervals(
    warehouse: Warehouse,
) -> None:
    _fill(warehouse)
    points = forecast_series(warehouse, "month")
    past = [p for p in points if p.forecast is None]
    ahead = [p for p in points if p.forecast is not None]
    assert len(past) == 12 and past[-1].period_start == dt.date(2026, 10, 1)
    assert past[-1].actual == pytest.approx(3100.0)
    # November: 27 days of actuals plus 3 forecast days; then December and January whole; February is cut short.
    assert [p.period_start for p in ahead] == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]
    november, december = ahead[0], ahead[1]
    assert november.partial and november.actual == pytest.approx(2700.0)
    assert november.forecast == pytest.approx(2730.0)
    assert december.forecast == pytest.approx(310.0)
    assert (december.lower_95, december.lower_80, december.upper_80, december.upper_95) == pytest.approx(
        (248.0, 279.0, 341.0, 387.5)
    )


def test_weekly_series_uses_the_weekly_spread(warehouse: Warehouse) -> None:
    _fill(warehouse)
    ahead = [p for p in forecast_series(warehouse, "week") if p.forecast is not None and not p.partial]
    assert ahead[0].period_start == dt.date(2026, 11, 30)  # the Monday after the data end
    assert ahead[0].forecast == pytest.approx(70.0)
    assert (ahead[0].lower_95, ahead[0].upper_95) == pytest.approx((42.0, 105.0))


def test_accuracy_in_words_at_both_grains(warehouse: Warehouse) -> None:
    _fill(warehouse)
    (month,) = [a for a in forecast_accuracy(warehouse) if a.grain == "month"]
    assert month.meets_target and month.holdout_accuracy == pytest.approx(0.875)
    assert month.sentence() == (
        "Last 12 months: 92 % accurate at monthly level (1 − WAPE, 8 whole months forecast up to 90 days ahead)"
    )
    (week,) = [a for a in forecast_accuracy(warehouse) if a.grain == "week"]
    assert not week.meets_target and "80 % accurate at weekly level" in week.sentence()


def test_an_empty_warehouse_has_no_series_and_no_accuracy(warehouse: Warehouse) -> None:
    warehouse.create_all()
    assert forecast_series(warehouse, "month") == [] and forecast_accuracy(warehouse) == []
    with pytest.raises(ValueError, match="grain"):
        forecast_series(warehouse, "day")  # type: ignore[arg-type]


def test_without_backtest_quantiles_the_forecast_has_no_interval() -> None:
    import pandas as pd

    actual = pd.Series(1.0, index=pd.date_range("2026-01-01", "2026-03-31"))
    forecast = pd.Series(2.0, index=pd.date_range("2026-04-01", "2026-04-30"))
    (april,) = [p for p in build_series(actual, forecast, {}, "month") if p.forecast is not None]
    assert april.forecast == 60.0 and april.lower_80 is None and april.upper_95 is None
