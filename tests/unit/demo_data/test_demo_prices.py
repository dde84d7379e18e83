"""The demo's prices move over time and across segments, and quantities answer with each segment's own
elasticity, so price guidance finds an elasticity for some groups (the price-sensitive ones) and not others."""

from __future__ import annotations

import numpy as np
import pytest

from models.demo import demo_world
from models.pricing import price_guidance
from pipeline.demo_data.prices import ELASTICITY, promotion_calendar, quantity_response
from pipeline.demo_data.reference import PRODUCTS


def test_the_promotion_calendar_is_fixed_and_varies() -> None:
    calendar = promotion_calendar(730)
    assert np.array_equal(calendar, promotion_calendar(730))
    assert set(np.unique(calendar)) == {1.0, 0.95, 0.9, 0.85}
    assert quantity_response(np.array([0.9]), np.array([0]))[0] == pytest.approx(0.9 ** ELASTICITY["office"])


def test_price_guidance_estimates_some_groups_of_the_demo_and_only_price_sensitive_ones() -> None:
    lines = demo_world(5000, 5).lines
    list_price = {p.name: p.unit_price for p in PRODUCTS}
    lines = lines.assign(
        unit_price=lines["amount"] / lines["quantity"], list_price=lines["product"].map(list_price)
    )
    table = price_guidance(lines, by=("segment", "category"))
    estimated = table[table["status"] == "estimated"]
    assert 3 <= len(estimated) < len(table)
    assert set(estimated["segment"]) <= {s for s, e in ELASTICITY.items() if e <= -0.8}
    assert (estimated["elasticity"] < 0).all()
