"""The machine-learning alternative to BG/NBD for purchase counts, and the CLV horizon it is stretched over.

`PurchaseRegressor` is a Poisson xgboost regression of a customer's purchases (same-day purchases merged, as
in `rfm_summary`) in the next `horizon_days`, on the customer features at the start of that window. It is
trained on a window that ends where the one it is judged on starts (features at cut-off − horizon, label to
the cut-off), so it never sees the purchases it is scored against. Its depth is chosen by inner 3-fold CV
(Poisson deviance) on the training rows only.

A regression knows one horizon only; CLV needs expected purchases month by month. `ScaledPurchaseModel`
keeps BG/NBD's shape over time and the regression's level: each customer's BG/NBD curve is multiplied by
regression / BG/NBD at the trained horizon, so both agree there and the curve stays concave.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.churn import XGB_PARAMS

logger = logging.getLogger(__name__)

DEPTHS: tuple[int, ...] = (2, 3, 4)


def poisson_deviance(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean Poisson deviance (0 for a perfect forecast; predictions floored at 1e-9)."""
    y, mu = np.asarray(actual, dtype=float), np.maximum(np.asarray(predicted, dtype=float), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.mean(2.0 * (term - (y - mu))))


@dataclass
class PurchaseRegressor:
    """Poisson xgboost: expected purchases in the next `horizon_days` from features at the window's start."""

    horizon_days: int
    params: dict[str, Any] = field(default_factory=lambda: {**XGB_PARAMS, "objective": "count:poisson"})
    depths: tuple[int, ...] = DEPTHS
    chosen_depth: int | None = None
    columns: list[str] = field(default_factory=list)
    estimator: Any = None

    def fit(self, features: pd.DataFrame, purchases: pd.Series) -> PurchaseRegressor:
        """Fit on a numeric feature frame and purchase counts aligned on the same index."""
        from xgboost import XGBRegressor

        if not features.index.equals(purchases.index):
            raise ValueError("PurchaseRegressor.fit: features and purchases must share the same index")
        self.columns = list(features.columns)
        x, y = features.to_numpy(dtype=float), purchases.to_numpy(dtype=float)
        self.chosen_depth = self._choose(x, y) if len(self.depths) > 1 else self.depths[0]
        self.estimator = XGBRegressor(**{**self.params, "max_depth": self.chosen_depth}).fit(x, y)
        return self

    def _choose(self, x: np.ndarray, y: np.ndarray) -> int:
        from sklearn.model_selection import KFold
        from xgboost import XGBRegressor

        folds = list(KFold(n_splits=3, shuffle=True, random_state=1).split(x))
        scores = []
        for depth in self.depths:
            model = XGBRegressor(**{**self.params, "max_depth": depth})
            scores.append(
                np.mean([poisson_deviance(y[te], model.fit(x[tr], y[tr]).predict(x[te])) for tr, te in folds])
            )
        logger.debug("inner-CV Poisson deviance %s for depths %s", scores, self.depths)
        return self.depths[int(np.argmin(scores))]

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Expected purchases of each row in the next `horizon_days`."""
        if self.estimator is None:
            raise RuntimeError("PurchaseRegressor.predict called before fit")
        matrix = features.reindex(columns=self.columns).to_numpy(dtype=float)
        return pd.Series(self.estimator.predict(matrix), index=features.index, name="expected_purchases")


@dataclass
class ScaledPurchaseModel:
    """A purchase model (BG/NBD) whose curve per customer is scaled to `level` at `horizon` time units."""

    base: Any  # anything with predict(summary, horizon) -> Series, e.g. models.clv.PurchaseModel
    level: pd.Series  # expected purchases per customer over `horizon`
    horizon: float

    def predict(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected purchases in the next `horizon` units: base(horizon) x level / base(self.horizon)."""
        at_level = self.base.predict(summary, self.horizon).clip(lower=1e-12)
        level = self.level.reindex(summary.index).astype(float)
        scaled: pd.Series = self.base.predict(summary, horizon) * level / at_level
        return scaled.where(level.notna(), self.base.predict(summary, horizon))
