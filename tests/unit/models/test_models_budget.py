"""Budget allocation against brute force on the demo's true response curves; curve fit; campaign KPIs."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from models.budget import ResponseCurve, adstock, allocate, campaign_metrics, fit_response
from pipeline.demo_data.market import build_market


@pytest.fixture(scope="module")
def true_curves() -> dict[str, ResponseCurve]:
    """The Hill curves truth/scenario.json records for the demo (seed 3, 2,000 customers)."""
    scenario = build_market(3, 2000, dt.date(2026, 11, 27), []).scenario()
    value = {"google_ads": 900.0, "meta": 700.0, "instagram": 800.0, "email": 1000.0, "trade_show": 1500.0}
    return {
        ch: ResponseCurve(ch, c["alpha"], c["half_saturation_spend"], c["shape"], 0.0, value[ch])
        for ch, c in scenario["response_curves"].items()
    }


def _brute_force(curves: dict[str, ResponseCurve], total: float, steps: int) -> float:
    names = sorted(curves)
    grid = np.arange(steps + 1) * total / steps
    table = np.array([curves[n].expected_return(grid) for n in names])
    best = 0.0
    for head in itertools.product(range(steps + 1), repeat=len(names) - 1):
        last = steps - sum(head)
        if last >= 0:
            best = max(best, float(sum(table[i, k] for i, k in enumerate((*head, last)))))
    return best


@pytest.mark.parametrize("total", [100.0, 400.0, 1500.0])
def test_allocation_within_5_percent_of_brute_force(
    true_curves: dict[str, ResponseCurve], total: float
) -> None:
    plan = allocate(true_curves, total)
    assert plan["spend"].sum() == pytest.approx(total)
    assert plan["expected_return"].sum() >= 0.95 * _brute_force(true_curves, total, 20)


def test_allocation_respects_bounds(true_curves: dict[str, ResponseCurve]) -> None:
    bounds = {"trade_show": (200.0, 300.0), "google_ads": (0.0, 50.0)}
    plan = allocate(true_curves, 600.0, bounds).set_index("channel")
    assert 200.0 - 1e-6 <= plan.loc["trade_show", "spend"] <= 300.0 + 1e-6
    assert plan.loc["google_ads", "spend"] <= 50.0 + 1e-6
    assert plan["spend"].sum() == pytest.approx(600.0)
    with pytest.raises(ValueError, match="minimums"):
        allocate(true_curves, 100.0, bounds)


def test_fit_recovers_a_known_curve() -> None:
    truth = ResponseCurve("x", alpha=4.0, half=200.0, shape=1.3, decay=0.3)
    rng = np.random.default_rng(1)
    levels = rng.choice([0.0, 50.0, 100.0, 200.0, 400.0, 800.0], 120)
    spend = np.repeat(levels, 7)  # weekly flights at six levels
    mu = truth.alpha * (
        adstock(spend, truth.decay) ** 1.3 / (adstock(spend, truth.decay) ** 1.3 + 200.0**1.3)
    )
    days = pd.date_range("2025-01-01", periods=len(spend), freq="D")
    curve = fit_response(pd.Series(spend, index=days), pd.Series(rng.poisson(mu), index=days))
    for s in (100.0, 200.0, 400.0):
        assert float(curve.conversions(s)) == pytest.approx(float(truth.conversions(s)), rel=0.15)
    assert curve.decay == pytest.approx(0.3, abs=0.15)


def test_campaign_kpis() -> None:
    daily = pd.DataFrame(
        {
            "campaign_id": ["A", "A", "B"],
            "channel": ["meta", "meta", "email"],
            "spend": [100.0, 100.0, 10.0],
            "impressions": [10_000, 10_000, 2_000],
            "clicks": [150, 50, 40],
            "conversions": [3, 1, 0],
        }
    )
    attributed = pd.DataFrame(
        {"campaign_id": ["A", "A"], "channel": ["meta", "meta"], "revenue": [300.0, 200.0]}
    )
    m = campaign_metrics(daily, attributed).set_index("campaign_id")
    assert m.loc["A", "ctr"] == pytest.approx(0.01) and m.loc["A", "conversion_rate"] == pytest.approx(0.02)
    assert m.loc["A", "cac"] == pytest.approx(50.0) and m.loc["A", "roi"] == pytest.approx(1.5)
    assert np.isnan(m.loc["B", "cac"]) and m.loc["B", "roi"] == pytest.approx(-1.0)
