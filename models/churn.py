"""Churn: calibrated xgboost probabilities from transaction features, plus optional engagement signals.

`transaction_features` turns raw purchases into per-customer RFM, inter-purchase-time and trend features
as of a date; `engagement_features` adds interaction, sentiment and complaint aggregates when those frames
exist. `ChurnModel` wraps xgboost in isotonic calibration so `predict_proba` is a usable probability.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

XGB_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "max_depth": 3,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "reg_lambda": 5.0,
    "tree_method": "hist",
    "n_jobs": 1,
    "random_state": 0,
}

#: Depths tried by nested (inner 3-fold) CV when `ChurnModel(param_grid=DEPTH_GRID)`.
DEPTH_GRID: list[dict[str, Any]] = [{"max_depth": depth} for depth in (2, 3, 4)]


def transaction_features(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    quantity_col: str | None = "quantity",
) -> pd.DataFrame:
    """Per-customer features from purchases on or before `as_of` (days as the time unit).

    RFM (recency, frequency, tenure, spend), inter-purchase times (mean, std, last, overdue ratio),
    recent-window counts and a trend (purchases in the second half of the customer's life minus the first).
    """
    as_of = pd.Timestamp(as_of)
    tx = transactions[pd.to_datetime(transactions[date_col]) <= as_of]
    agg: dict[str, tuple[str, str]] = {"amount": (amount_col, "sum")}
    if quantity_col and quantity_col in tx.columns:
        agg["quantity"] = (quantity_col, "sum")
    daily = (
        tx.assign(day=pd.to_datetime(tx[date_col]).dt.normalize())
        .groupby([customer_col, "day"])
        .agg(**agg)
        .reset_index()
        .sort_values([customer_col, "day"])
    )
    grouped = daily.groupby(customer_col)
    first, last = grouped["day"].min(), grouped["day"].max()
    n_days = grouped.size().astype(float)
    tenure = (as_of - first).dt.days.astype(float)
    feats = pd.DataFrame(
        {
            "recency_days": (as_of - last).dt.days.astype(float),
            "tenure_days": tenure,
            "active_span_days": (last - first).dt.days.astype(float),
            "n_purchases": n_days,
            "purchase_rate": n_days / (tenure + 1.0),
            "total_amount": grouped["amount"].sum(),
            "mean_amount": grouped["amount"].mean(),
            "first_amount": grouped["amount"].first(),
            "last_amount": grouped["amount"].last(),
        }
    )
    if "quantity" in daily.columns:
        feats["total_quantity"] = grouped["quantity"].sum()
        feats["first_quantity"] = grouped["quantity"].first()
    gaps = grouped["day"].diff().dt.days
    gap_groups = gaps.groupby(daily[customer_col])
    feats["ipt_mean"] = gap_groups.mean()
    feats["ipt_std"] = gap_groups.std()
    feats["ipt_last"] = gap_groups.last()
    feats["overdue_ratio"] = feats["recency_days"] / feats["ipt_mean"]
    for window in (30, 90, 180):
        recent = daily[daily["day"] > as_of - pd.Timedelta(days=window)].groupby(customer_col).size()
        feats[f"purchases_last_{window}d"] = recent.reindex(feats.index).fillna(0.0)
    midpoint = first + (as_of - first) / 2
    late = (daily["day"] > daily[customer_col].map(midpoint)).groupby(daily[customer_col]).sum()
    feats["trend"] = 2.0 * late.reindex(feats.index).astype(float) - n_days
    feats.index.name = customer_col
    return feats


def engagement_features(
    customers: pd.Index,
    as_of: str | pd.Timestamp,
    *,
    interactions: pd.DataFrame | None = None,
    sentiment: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    score_col: str = "score",
) -> pd.DataFrame:
    """Optional features from interaction, sentiment (a `score` per row) and complaint logs, when given.

    Each frame needs `customer_col` and `date_col`; rows after `as_of` are ignored. Missing frames add no
    columns, so the same model code runs whether or not the warehouse has these sources.
    """
    as_of = pd.Timestamp(as_of)
    out = pd.DataFrame(index=customers)
    sources = {"interactions": interactions, "sentiment": sentiment, "complaints": complaints}
    for name, frame in sources.items():
        if frame is None:
            continue
        rows = frame[pd.to_datetime(frame[date_col]) <= as_of]
        grouped = rows.groupby(customer_col)
        out[f"{name}_count"] = grouped.size().reindex(customers).fillna(0.0)
        days_since = (as_of - pd.to_datetime(grouped[date_col].max())).dt.days
        out[f"{name}_days_since_last"] = days_since.reindex(customers).astype(float)
        if name == "sentiment":
            out["sentiment_mean"] = grouped[score_col].mean().reindex(customers)
            out["sentiment_min"] = grouped[score_col].min().reindex(customers)
    return out


def telco_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Model matrix for Telco-schema rows: one-hot plan fields, service count, charge drift, tenure interactions."""
    services = [
        "phoneservice", "multiplelines", "onlinesecurity", "onlinebackup",
        "deviceprotection", "techsupport", "streamingtv", "streamingmovies",
    ]  # fmt: skip
    matrix = one_hot(frame, drop=("customerid", "churn"))
    matrix["n_services"] = (
        (frame[[c for c in services if c in frame.columns]] == "Yes").sum(axis=1).astype(float)
    )
    average_charge = frame["totalcharges"] / frame["tenure"].where(frame["tenure"] > 0)
    matrix["average_charge"] = average_charge
    matrix["charge_drift"] = frame["monthlycharges"] - average_charge
    # Terms a linear model cannot build itself: churn falls with log tenure at a rate that differs by
    # contract, and fibre customers' monthly charge means something different from DSL customers'.
    matrix["log_tenure"] = np.log1p(frame["tenure"].astype(float))
    for column in [c for c in matrix.columns if c.startswith("contract_")]:
        matrix[f"{column}_x_log_tenure"] = matrix[column] * matrix["log_tenure"]
    for column in [c for c in matrix.columns if c.startswith("internetservice_")]:
        matrix[f"{column}_x_monthlycharges"] = matrix[column] * frame["monthlycharges"].astype(float)
    return matrix


def one_hot(frame: pd.DataFrame, *, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """Numeric matrix for xgboost: object/category columns one-hot encoded, `drop` columns removed."""
    kept = frame.drop(columns=[c for c in drop if c in frame.columns])
    categorical = [c for c in kept.columns if kept[c].dtype == object or str(kept[c].dtype) == "category"]
    return pd.get_dummies(kept, columns=categorical, dtype=float).astype(float)


@dataclass
class ChurnModel:
    """xgboost classifier with cross-fitted isotonic calibration, returning P(churn) in [0, 1]."""

    params: dict[str, Any] = field(default_factory=lambda: dict(XGB_PARAMS))
    calibration_folds: int = 3
    #: Overrides of `params` to choose from by inner 3-fold AUC on the training data only (nested CV).
    param_grid: list[dict[str, Any]] = field(default_factory=list)
    chosen: dict[str, Any] = field(default_factory=dict)
    estimator: Any = None
    columns: list[str] = field(default_factory=list)

    def fit(self, features: pd.DataFrame, churned: pd.Series) -> ChurnModel:
        """Fit on a numeric feature frame and a 0/1 target aligned on the same index."""
        from sklearn.calibration import CalibratedClassifierCV
        from xgboost import XGBClassifier

        if not features.index.equals(churned.index):
            raise ValueError("ChurnModel.fit: features and churned must share the same index")
        self.columns = list(features.columns)
        x, y = features.to_numpy(dtype=float), churned.to_numpy(dtype=int)
        self.chosen = (
            self._choose(x, y)
            if len(self.param_grid) > 1
            else dict(self.param_grid[0])
            if self.param_grid
            else {}
        )
        base = XGBClassifier(**{**self.params, **self.chosen})
        self.estimator = CalibratedClassifierCV(base, method="isotonic", cv=self.calibration_folds)
        self.estimator.fit(x, y)
        return self

    def _choose(self, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        from sklearn.model_selection import StratifiedKFold, cross_val_score
        from xgboost import XGBClassifier

        inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=1)
        scores = [
            float(
                cross_val_score(
                    XGBClassifier(**{**self.params, **o}), x, y, cv=inner, scoring="roc_auc"
                ).mean()
            )
            for o in self.param_grid
        ]
        best = self.param_grid[int(np.argmax(scores))]
        logger.debug("inner-CV AUCs %s -> chose %s", scores, best)
        return best

    def predict_proba(self, features: pd.DataFrame) -> pd.Series:
        """Calibrated probability of churn for each row."""
        if self.estimator is None:
            raise RuntimeError("ChurnModel.predict_proba called before fit")
        matrix = features.reindex(columns=self.columns).to_numpy(dtype=float)
        proba = np.clip(self.estimator.predict_proba(matrix)[:, 1], 0.0, 1.0)
        return pd.Series(proba, index=features.index, name="p_churn")


def cross_validate(
    features: pd.DataFrame,
    churned: pd.Series,
    *,
    folds: int = 5,
    seed: int = 0,
    model_factory: Any = ChurnModel,
) -> tuple[dict[str, float], pd.Series]:
    """Stratified k-fold AUC, accuracy at 0.5, Brier score and log loss; also the out-of-fold probabilities."""
    from sklearn.model_selection import StratifiedKFold

    oof = pd.Series(np.nan, index=features.index, name="p_churn")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(features, churned):
        model = model_factory().fit(features.iloc[train_idx], churned.iloc[train_idx])
        oof.iloc[test_idx] = model.predict_proba(features.iloc[test_idx]).to_numpy()
    return classification_metrics(churned, oof), oof


def classification_metrics(churned: pd.Series, proba: pd.Series, threshold: float = 0.5) -> dict[str, float]:
    """AUC, accuracy at `threshold`, Brier score and log loss of probabilities against 0/1 labels."""
    from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, roc_auc_score

    y = churned.to_numpy(dtype=int)
    p = np.clip(proba.to_numpy(dtype=float), 1e-6, 1 - 1e-6)
    return {
        "auc": float(roc_auc_score(y, p)),
        "accuracy": float(accuracy_score(y, p >= threshold)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p)),
    }
