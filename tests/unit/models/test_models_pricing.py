"""Price elasticity and guidance: a number only where the data support one, a reason otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.pricing import ESTIMATED, INSUFFICIENT, adjust_p, elasticity, price_guidance, revenue_change


def _lines(n: int, e: float, discounts: tuple[float, ...], seed: int = 0, **keys: str) -> pd.DataFrame:
    """Lines of two products whose quantity follows price with elasticity `e` (lognormal noise)."""
    rng = np.random.default_rng(seed)
    product = rng.choice(["single", "case"], n)
    list_price = np.where(product == "case", 40.0, 10.0)
    price = list_price * (1.0 - rng.choice(discounts, n))
    base = np.where(product == "case", 3.0, 12.0)  # pack sizes differ: fixed effects must absorb this
    quantity = np.maximum(1.0, np.rint(base * (price / list_price) ** e * rng.lognormal(0.0, 0.3, n)))
    frame = pd.DataFrame(
        {"product": product, "unit_price": price, "list_price": list_price, "quantity": quantity}
    )
    return frame.assign(**keys)


def test_elasticity_recovers_a_planted_slope_within_products() -> None:
    fit = elasticity(_lines(4000, -1.8, (0.0, 0.1, 0.2, 0.3)))
    assert fit["e"] == pytest.approx(-1.8, abs=0.2) and fit["p"] < 1e-6 and fit["variation"] > 0.05


def test_guidance_gives_numbers_only_where_the_data_support_them() -> None:
    lines = pd.concat(
        [
            _lines(3000, -2.0, (0.0, 0.1, 0.2, 0.3), 1, segment="office", category="Paper"),  # elastic
            _lines(3000, -0.4, (0.0, 0.1, 0.2, 0.3), 2, segment="retail", category="Paper"),  # inelastic
            _lines(30, -2.0, (0.0, 0.2), 3, segment="office", category="Tea"),  # too few lines
            _lines(800, -2.0, (0.0,), 4, segment="retail", category="Tea"),  # price never changes
            _lines(800, 0.0, (0.0, 0.1, 0.2, 0.3), 5, segment="school", category="Tea"),  # no effect
        ]
    )
    table = price_guidance(lines).set_index(["segment", "category"])
    elastic, inelastic = table.loc[("office", "Paper")], table.loc[("retail", "Paper")]
    assert elastic["status"] == ESTIMATED and elastic["recommended_change_pct"] == -5.0
    assert "elastic" in elastic["guidance"] and elastic["elasticity"] == pytest.approx(-2.0, abs=0.25)
    assert inelastic["status"] == ESTIMATED and inelastic["recommended_change_pct"] == 5.0
    assert "inelastic" in inelastic["guidance"]
    assert table.loc[("office", "Tea"), "reason"].startswith("too few sales lines: 30")
    assert table.loc[("retail", "Tea"), "reason"].startswith("too little price variation")
    for key in [("office", "Tea"), ("retail", "Tea"), ("school", "Tea")]:
        row = table.loc[key]
        assert (
            row["status"] == INSUFFICIENT
            and pd.isna(row["elasticity"])
            and pd.isna(row["recommended_change_pct"])
        )
    assert "not" in table.loc[("school", "Tea"), "reason"]


def test_revenue_change_and_benjamini_hochberg() -> None:
    assert revenue_change(-0.05, -2.0) == pytest.approx(0.95**-1 - 1.0)
    assert revenue_change(0.05, -1.0) == pytest.approx(0.0)
    adjusted = adjust_p([0.01, float("nan"), 0.04, 0.03])
    assert adjusted[0] == pytest.approx(0.03) and adjusted[2] == pytest.approx(0.04) and np.isnan(adjusted[1])
