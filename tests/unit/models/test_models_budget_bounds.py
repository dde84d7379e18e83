"""The bounded budget plan on the demo's campaigns: no channel leaves its range around current spend, a
channel spent on too few days stays where it is and says why, and the gain is a range."""

from __future__ import annotations

import pandas as pd
import pytest

from models.budget import ResponseCurve, fit_response
from models.budget_bounds import bounded_allocation, curve_draws, variation_reason
from models.demo import demo_world
from models.evaluate_demo import channel_days, within_range


@pytest.fixture(scope="module")
def demo_plan() -> tuple[object, dict[str, float], dict[str, str]]:
    world = demo_world(2000, 3)
    per_day = channel_days(world.campaign_daily)
    value = {"email": 900.0, "google_ads": 600.0, "instagram": 700.0, "meta": 500.0, "trade_show": 2500.0}
    curves, draws, held, current = {}, {}, {}, {}
    for channel, days in per_day.items():
        current[channel] = float(days["spend"].sum()) / 730.0
        reason = variation_reason(days["spend"])
        curves[channel] = fit_response(days["spend"], days["conversions"], channel, value[channel])
        if reason:
            held[channel] = reason
        else:
            draws[channel] = curve_draws(curves[channel], days["spend"], days["conversions"], draws=100)
    return bounded_allocation(curves, current, held=held, draws=draws), current, held


def test_no_recommended_budget_leaves_its_range_and_the_total_is_kept(demo_plan) -> None:
    plan, current, _ = demo_plan
    rows = plan.channels.set_index("channel")
    assert within_range(plan.channels)
    for channel, spend in current.items():
        if rows.loc[channel, "held"] is None:
            assert rows.loc[channel, "lower_bound"] == pytest.approx(0.5 * spend)
            assert rows.loc[channel, "upper_bound"] == pytest.approx(2.0 * spend)
    assert rows["recommended_spend"].sum() == pytest.approx(sum(current.values()), rel=1e-6)


def test_a_channel_with_too_few_spending_days_is_held_and_says_why(demo_plan) -> None:
    plan, current, held = demo_plan
    assert "trade_show" in held  # the demo's trade shows spend on about 10 days in two years
    row = plan.channels.set_index("channel").loc["trade_show"]
    assert row["recommended_spend"] == pytest.approx(current["trade_show"])
    assert "spent on only" in row["held"] and "held at current spend" in row["held"]
    assert any(note.startswith("trade_show: spent on only") for note in plan.notes)


def test_the_gain_is_printed_as_a_range_around_the_fitted_figure(demo_plan) -> None:
    plan, _, _ = demo_plan
    assert plan.gain_low < plan.gain_high
    assert plan.gain_low <= plan.gain <= plan.gain_high
    text = plan.gain_text()
    assert text.startswith(("+£", "−£")) and " to " in text and text.endswith(")")


def test_flat_spend_is_held_and_bounds_are_configurable() -> None:
    days = pd.date_range("2026-01-01", periods=60)
    assert "varied by only 0%" in (variation_reason(pd.Series(10.0, index=days)) or "")
    curves = {c: ResponseCurve(c, 5.0, 10.0, 1.0, 0.0, 100.0) for c in ("a", "b")}
    plan = bounded_allocation(curves, {"a": 1.0, "b": 30.0}, lower=0.8, upper=1.25)
    rows = plan.channels.set_index("channel")
    assert rows.loc["a", "recommended_spend"] == pytest.approx(
        1.25
    )  # the starved channel grows only to 1.25×
    assert rows.loc["b", "recommended_spend"] == pytest.approx(29.75)
    with pytest.raises(ValueError, match="lower"):
        bounded_allocation(curves, {"a": 1.0, "b": 1.0}, lower=1.5)


def _plan_on(noise: float, seed: int = 11) -> object:
    """A bounded plan fitted to a year of three channels' spend and conversions drawn from known curves;
    `noise` > 0 makes the conversions over-dispersed (gamma-Poisson with that squared coefficient of variation)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", periods=365)
    truth = {
        "email": ResponseCurve("email", 6.0, 40.0, 1.2, 0.2, 300.0),
        "search": ResponseCurve("search", 10.0, 120.0, 1.0, 0.3, 250.0),
        "social": ResponseCurve("social", 4.0, 60.0, 1.5, 0.1, 200.0),
    }
    level = {"email": 20.0, "search": 150.0, "social": 50.0}
    curves, draws, current = {}, {}, {}
    for name, curve in truth.items():
        spend = pd.Series(level[name] * rng.lognormal(0.0, 0.5, len(days)), index=days)
        mean = curve.conversions(spend.to_numpy())
        rate = mean * (rng.gamma(1.0 / noise, noise, len(days)) if noise > 0 else 1.0)
        conversions = pd.Series(rng.poisson(rate), index=days)
        curves[name] = fit_response(spend, conversions, name, curve.value_per_conversion)
        draws[name] = curve_draws(curves[name], spend, conversions, draws=200)
        current[name] = float(spend.mean())
    return bounded_allocation(curves, current, draws=draws)


def test_noisier_conversions_give_a_wider_gain_range_and_every_budget_stays_in_its_range() -> None:
    clean, noisy = _plan_on(0.0), _plan_on(1.0)
    for plan in (clean, noisy):
        assert within_range(plan.channels)
        assert plan.gain_low < plan.gain_high
        assert "80 % interval over 200 curve draws" in plan.gain_text()
    assert noisy.gain_high - noisy.gain_low > 1.5 * (clean.gain_high - clean.gain_low)


def test_without_draws_the_text_says_the_range_is_the_fitted_figure_only() -> None:
    curves = {c: ResponseCurve(c, 5.0, 10.0, 1.0, 0.0, 100.0) for c in ("a", "b")}
    plan = bounded_allocation(curves, {"a": 5.0, "b": 10.0})
    assert plan.gain_low == plan.gain_high == pytest.approx(plan.gain)
    assert "no curve draws" in plan.gain_text()
