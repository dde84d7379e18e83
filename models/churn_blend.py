"""Blended churn model: logistic regression and xgboost, weights and hyper-parameters chosen by inner CV.

`BlendedChurnModel.fit` runs one inner stratified k-fold on the training rows only, collects out-of-fold
probabilities of every logistic-regression C and xgboost depth, keeps the best of each, picks the blend
weight by inner AUC, and fits a Platt (logistic) calibration on the out-of-fold blend. Platt scaling is
monotone, so calibration never changes the ranking (isotonic steps create ties that cost AUC).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.churn import XGB_PARAMS

logger = logging.getLogger(__name__)

LOGISTIC_C: tuple[float, ...] = (0.01, 0.1, 1.0)
XGB_DEPTHS: tuple[int, ...] = (2, 3)
BLEND_WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, clipped away from 0 and 1."""
    q = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1.0 - q)))


def best_by_auc(y: np.ndarray, predictions: dict[str, np.ndarray]) -> tuple[str, float]:
    """The name whose predictions rank `y` best (ties go to the first name) and its AUC."""
    from sklearn.metrics import roc_auc_score

    scores = {name: float(roc_auc_score(y, p)) for name, p in predictions.items()}
    best = max(scores, key=lambda n: scores[n])
    return best, scores[best]


def choose_weight(
    y: np.ndarray, linear: np.ndarray, trees: np.ndarray, weights: tuple[float, ...] = BLEND_WEIGHTS
) -> float:
    """Weight w of `linear` in w*linear + (1-w)*trees with the best AUC against `y` (first wins ties)."""
    blends = {str(w): w * linear + (1.0 - w) * trees for w in weights}
    return float(best_by_auc(y, blends)[0])


def fit_platt(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of P(y=1) = sigmoid(a*logit(p) + b), by unpenalised logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e6, max_iter=1000).fit(logit(p).reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def apply_platt(p: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Calibrated probabilities sigmoid(slope*logit(p) + intercept)."""
    return np.asarray(1.0 / (1.0 + np.exp(-(slope * logit(p) + intercept))))


def logistic_pipeline(c: float, max_iter: int = 2000) -> Any:
    """Median imputation, standard scaling and a logistic regression of inverse regularisation ``c``."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A feature never observed in the training rows (interactions on a new warehouse) is kept as a constant 0
    # rather than dropped, so the logistic model sees the same columns whatever the data hold.
    return make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=max_iter),
    )


def _xgboost(depth: int, params: dict[str, Any]) -> Any:
    from xgboost import XGBClassifier

    return XGBClassifier(**{**params, "max_depth": depth})


@dataclass
class BlendedChurnModel:
    """Calibrated blend of logistic regression and xgboost; every choice made by inner CV on the training rows."""

    params: dict[str, Any] = field(default_factory=lambda: dict(XGB_PARAMS))
    inner_folds: int = 3
    seed: int = 1
    chosen: dict[str, Any] = field(default_factory=dict)
    models: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def fit(self, features: pd.DataFrame, churned: pd.Series) -> BlendedChurnModel:
        """Choose C, depth and blend weight by inner CV, calibrate on the out-of-fold blend, refit on all rows."""
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        if not features.index.equals(churned.index):
            raise ValueError("BlendedChurnModel.fit: features and churned must share the same index")
        self.columns = list(features.columns)
        x, y = features.to_numpy(dtype=float), churned.to_numpy(dtype=int)
        inner = StratifiedKFold(n_splits=self.inner_folds, shuffle=True, random_state=self.seed)

        def oof(estimator: Any) -> np.ndarray:
            return np.asarray(cross_val_predict(estimator, x, y, cv=inner, method="predict_proba")[:, 1])

        linear = {str(c): oof(logistic_pipeline(c)) for c in LOGISTIC_C}
        trees = {str(d): oof(_xgboost(d, self.params)) for d in XGB_DEPTHS}
        c, linear_auc = best_by_auc(y, linear)
        depth, trees_auc = best_by_auc(y, trees)
        weight = choose_weight(y, linear[c], trees[depth])
        blend = weight * linear[c] + (1.0 - weight) * trees[depth]
        slope, intercept = fit_platt(y, blend)
        self.chosen = {
            "C": float(c),
            "max_depth": int(depth),
            "weight": weight,
            "platt": (slope, intercept),
            "inner_auc": best_by_auc(y, {"blend": blend})[1],
        }
        logger.debug("inner AUC logistic %.4f xgboost %.4f -> %s", linear_auc, trees_auc, self.chosen)
        self.models = [logistic_pipeline(float(c)).fit(x, y), _xgboost(int(depth), self.params).fit(x, y)]
        return self

    def predict_proba(self, features: pd.DataFrame) -> pd.Series:
        """Calibrated probability of churn for each row."""
        if not self.models:
            raise RuntimeError("BlendedChurnModel.predict_proba called before fit")
        x = features.reindex(columns=self.columns).to_numpy(dtype=float)
        linear, trees = (np.asarray(m.predict_proba(x)[:, 1]) for m in self.models)
        weight = self.chosen["weight"]
        proba = apply_platt(weight * linear + (1.0 - weight) * trees, *self.chosen["platt"])
        return pd.Series(proba, index=features.index, name="p_churn")
