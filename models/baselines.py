"""Plain baselines the classifiers must beat: logistic regression, and a column read as the score.

Both have the classifiers' interface (`fit(x, y)` returning self, `predict_proba(x)` a Series), so the
rolling-origin selection and the registry treat them like any other candidate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


@dataclass
class LogisticModel:
    """Standardised logistic regression (median-imputed, C=1): the plain baseline for churn and lead scores."""

    c: float = 1.0
    estimator: Any = None
    columns: list[str] = field(default_factory=list)

    def fit(self, features: pd.DataFrame, labels: pd.Series) -> LogisticModel:
        """Fit on a numeric feature frame and 0/1 labels aligned on the same index."""
        from models.churn_blend import logistic_pipeline

        if not features.index.equals(labels.index):
            raise ValueError("LogisticModel.fit: features and labels must share the same index")
        self.columns = list(features.columns)
        self.estimator = logistic_pipeline(self.c, max_iter=1000).fit(
            features.to_numpy(dtype=float), labels.to_numpy(dtype=int)
        )
        return self

    def predict_proba(self, features: pd.DataFrame) -> pd.Series:
        """Probability of the positive label for each row."""
        if self.estimator is None:
            raise RuntimeError("LogisticModel.predict_proba called before fit")
        matrix = features.reindex(columns=self.columns).to_numpy(dtype=float)
        return pd.Series(self.estimator.predict_proba(matrix)[:, 1], index=features.index, name="p")


@dataclass
class ColumnScore:
    """A feature read as the probability (clipped to [0, 1]); fitting learns nothing.

    Upsell's baseline is the category's uptake among the customer's segment (`segment_uptake`).
    """

    column: str = "segment_uptake"

    def fit(self, features: pd.DataFrame, labels: pd.Series) -> ColumnScore:
        if self.column not in features.columns:
            raise ValueError(f"ColumnScore.fit: no column {self.column!r} in the features")
        return self

    def predict_proba(self, features: pd.DataFrame) -> pd.Series:
        """The column, clipped to [0, 1] (missing values count as 0)."""
        values = np.clip(features[self.column].to_numpy(dtype=float), 0.0, 1.0)
        return pd.Series(np.nan_to_num(values), index=features.index, name="p")
