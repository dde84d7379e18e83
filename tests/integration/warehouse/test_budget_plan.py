"""The Budget page's plan read from the warehouse, on SQLite and PostgreSQL: the expected gain is an 80 %
interval over curve draws fitted to the campaign days the warehouse holds, and no channel leaves its range."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.budget import ResponseCurve, fit_response
from warehouse import budget_queries as budget
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import dim_campaign, dim_channel, dim_date, fact_campaign_daily, mart_channel_response

END = dt.date(2026, 11, 27)
TRUTH = {
    "email": (ResponseCurve("email", 6.0, 40.0, 1.2, 0.2, 300.0), 20.0),
    "search": (ResponseCurve("search", 10.0, 120.0, 1.0, 0.3, 250.0), 150.0),
    "social": (ResponseCurve("social", 4.0, 60.0, 1.5, 0.1, 200.0), 50.0),
}


def _day_row(day: dt.date) -> dict[str, object]:
    return {
        "date_key": int(day.strftime("%Y%m%d")),
        "day": day,
        "year": day.year,
        "quarter": (day.month - 1) // 3 + 1,
        "month": day.month,
        "iso_week": day.isocalendar()[1],
        "day_of_week": day.isoweekday(),
        "week_start": day - dt.timedelta(days=day.weekday()),
        "month_start": day.replace(day=1),
        "is_weekend": day.isoweekday() >= 6,
    }


def _fill(warehouse: Warehouse) -> None:
    """A year of daily spend and over-dispersed conversions per channel, and the curves fitted to them."""
    warehouse.create_all()
    rng = np.random.default_rng(5)
    days = [END - dt.timedelta(days=k) for k in range(budget.CURVE_DAYS - 1, -1, -1)]
    facts, channels, campaigns, responses = [], [], [], []
    for key, (name, (curve, level)) in enumerate(TRUTH.items(), start=1):
        spend = np.round(level * rng.lognormal(0.0, 0.5, len(days)), 2)
        conversions = rng.poisson(curve.conversions(spend) * rng.gamma(2.0, 0.5, len(days)))
        channels.append({"channel_key": key, "name": name})
        campaigns.append(
            {
                "campaign_key": key,
                "source": "sheets",
                "source_key": f"c{key}",
                "name": name,
                "channel_key": key,
            }
        )
        facts += [
            {
                "campaign_key": key,
                "date_key": int(day.strftime("%Y%m%d")),
                "spend": float(s),
                "impressions": 1000,
                "clicks": 10,
                "conversions": int(c),
            }
            for day, s, c in zip(days, spend, conversions, strict=True)
        ]
        index = pd.DatetimeIndex(days)
        fitted = fit_response(pd.Series(spend, index=index), pd.Series(conversions, index=index), name)
        responses.append(
            {
                "channel": name,
                "alpha": fitted.alpha,
                "half_saturation": fitted.half,
                "shape": fitted.shape,
                "decay": fitted.decay,
                "value_per_conversion": curve.value_per_conversion,
                "days": len(days),
                "current_daily_spend": float(spend.mean()),
                "current_daily_return": 0.0,
            }
        )
    with warehouse.begin() as conn:
        insert_rows(conn, dim_date, [_day_row(d) for d in days])
        insert_rows(conn, dim_channel, channels)
        insert_rows(conn, dim_campaign, campaigns)
        insert_rows(conn, fact_campaign_daily, facts)
        insert_rows(conn, mart_channel_response, responses)


def test_the_plan_from_the_warehouse_gives_its_gain_as_an_interval_over_curve_draws(
    warehouse: Warehouse,
) -> None:
    _fill(warehouse)
    plan = budget.channel_plan(warehouse, END, 0.5, 2.0)
    assert plan is not None
    assert plan.gain_low < plan.gain_high, "the range comes from curve draws, not the fitted figure alone"
    assert plan.draws == 200
    assert "80 % interval over 200 curve draws" in plan.gain_text()
    rows = plan.channels.set_index("channel")
    assert not rows["held"].any()
    assert (rows["recommended_spend"] >= rows["lower_bound"] - 1e-6).all()
    assert (rows["recommended_spend"] <= rows["upper_bound"] + 1e-6).all()
    assert rows["recommended_spend"].sum() == pytest.approx(rows["current_spend"].sum(), rel=1e-9)
