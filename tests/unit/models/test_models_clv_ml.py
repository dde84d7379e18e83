"""The ML purchase model: a Poisson regression that learns purchase rates, and BG/NBD's curve scaled to it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.clv_ml import PurchaseRegressor, ScaledPurchaseModel, poisson_deviance


def _customers(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Features, true 90-day purchase rates (planted on two of the features) and drawn purchase counts."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "orders_last_year": rng.poisson(4, n).astype(float),
            "days_since_last": rng.uniform(0, 365, n),
            "noise": rng.normal(size=n),
        },
        index=pd.Index(range(n), name="customer_id"),
    )
    rate = 0.3 * x["orders_last_year"] * np.exp(-x["days_since_last"] / 120.0)
    return x, rate, pd.Series(rng.poisson(rate), index=x.index, dtype=float)


def test_regression_learns_planted_purchase_rates() -> None:
    x, _, y = _customers(3_000, seed=0)
    test_x, test_rate, test_y = _customers(2_000, seed=1)
    model = PurchaseRegressor(horizon_days=90).fit(x, y)
    predicted = model.predict(test_x)
    assert model.chosen_depth in (2, 3, 4)
    assert predicted.index.equals(test_x.index) and (predicted >= 0).all()
    constant = np.full(len(test_y), y.mean())
    ours = poisson_deviance(test_y.to_numpy(), predicted.to_numpy())
    assert ours < 0.8 * poisson_deviance(test_y.to_numpy(), constant)
    assert float(np.corrcoef(predicted, test_rate)[0, 1]) > 0.9
    assert predicted.sum() == pytest.approx(test_y.sum(), rel=0.1)


def test_regression_refuses_misaligned_rows_and_predicting_unfitted() -> None:
    x, _, y = _customers(50, seed=2)
    with pytest.raises(ValueError, match="share the same index"):
        PurchaseRegressor(90).fit(x, y.iloc[::-1])
    with pytest.raises(RuntimeError, match="before fit"):
        PurchaseRegressor(90).predict(x)


class _Concave:
    """A stand-in purchase curve: each customer's expected purchases grow like sqrt(horizon) x weight."""

    def predict(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        return summary["weight"] * np.sqrt(horizon)


def test_scaled_curve_meets_the_regression_at_its_horizon_and_keeps_the_shape() -> None:
    summary = pd.DataFrame({"weight": [1.0, 2.0, 0.5]}, index=pd.Index([1, 2, 3], name="customer_id"))
    level = pd.Series({1: 3.0, 2: 1.0})  # customer 3 has no regression score
    scaled = ScaledPurchaseModel(_Concave(), level, horizon=9.0)
    at_horizon = scaled.predict(summary, 9.0)
    assert at_horizon.loc[1] == pytest.approx(3.0) and at_horizon.loc[2] == pytest.approx(1.0)
    assert at_horizon.loc[3] == pytest.approx(1.5)  # the base curve, unscaled
    year = scaled.predict(summary, 36.0)
    assert (year / at_horizon).to_numpy() == pytest.approx([2.0, 2.0, 2.0])  # sqrt(36 / 9), as the base


def test_poisson_deviance_is_zero_for_a_perfect_forecast() -> None:
    counts = np.array([0.0, 1.0, 3.0])
    assert poisson_deviance(counts, counts) == pytest.approx(0.0, abs=1e-6)
    assert poisson_deviance(counts, counts + 1.0) > 0.0
