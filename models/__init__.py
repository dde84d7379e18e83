"""Models of the Customer 360 platform: CLV, churn, forecast, sentiment, descriptive and diagnostic analytics,
marketing budget allocation, upsell propensity, price guidance and next best action.

Every model takes pandas frames (the warehouse marts' shape) and returns frames or series. Importing this
package is cheap: entry points are resolved lazily, so lifetimes, xgboost, prophet and statsforecast load
only when the function that needs them runs.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from models.budget import ResponseCurve, allocate, campaign_metrics, fit_channels
    from models.budget_bounds import BoundedPlan, bounded_allocation, curve_draws, variation_reason
    from models.card import ModelCard
    from models.churn import ChurnModel, cross_validate, engagement_features, transaction_features
    from models.churn_blend import BlendedChurnModel
    from models.clv import (
        PurchaseModel,
        SpendModel,
        choose_by_origins,
        customer_lifetime_value,
        rfm_summary,
        rolling_origins,
        select_purchase_model,
    )
    from models.clv_ml import PurchaseRegressor
    from models.descriptive import cohort_retention, growth, product_affinity, rfm_scores
    from models.diagnostic import anomaly_flags, drivers, explain_change
    from models.evaluate import evaluate
    from models.forecast import ForecastResult, fit_forecast
    from models.nba import next_best_actions
    from models.pricing import elasticity, price_guidance
    from models.sentiment import get_scorer, score_texts
    from models.upsell import best_offer, candidate_pairs, upsell_label

_EXPORTS: dict[str, str] = {
    "ModelCard": "models.card",
    "ResponseCurve": "models.budget",
    "allocate": "models.budget",
    "campaign_metrics": "models.budget",
    "fit_channels": "models.budget",
    "cohort_retention": "models.descriptive",
    "growth": "models.descriptive",
    "product_affinity": "models.descriptive",
    "rfm_scores": "models.descriptive",
    "anomaly_flags": "models.diagnostic",
    "drivers": "models.diagnostic",
    "explain_change": "models.diagnostic",
    "next_best_actions": "models.nba",
    "elasticity": "models.pricing",
    "price_guidance": "models.pricing",
    "best_offer": "models.upsell",
    "candidate_pairs": "models.upsell",
    "upsell_label": "models.upsell",
    "BlendedChurnModel": "models.churn_blend",
    "ChurnModel": "models.churn",
    "cross_validate": "models.churn",
    "engagement_features": "models.churn",
    "transaction_features": "models.churn",
    "PurchaseModel": "models.clv",
    "SpendModel": "models.clv",
    "customer_lifetime_value": "models.clv",
    "rfm_summary": "models.clv",
    "select_purchase_model": "models.clv",
    "choose_by_origins": "models.clv",
    "rolling_origins": "models.clv",
    "BoundedPlan": "models.budget_bounds",
    "bounded_allocation": "models.budget_bounds",
    "curve_draws": "models.budget_bounds",
    "variation_reason": "models.budget_bounds",
    "PurchaseRegressor": "models.clv_ml",
    "evaluate": "models.evaluate",
    "ForecastResult": "models.forecast",
    "fit_forecast": "models.forecast",
    "get_scorer": "models.sentiment",
    "score_texts": "models.sentiment",
}

__all__ = [
    "BlendedChurnModel",
    "ChurnModel",
    "ForecastResult",
    "ModelCard",
    "PurchaseModel",
    "PurchaseRegressor",
    "ResponseCurve",
    "SpendModel",
    "allocate",
    "anomaly_flags",
    "best_offer",
    "candidate_pairs",
    "campaign_metrics",
    "cohort_retention",
    "cross_validate",
    "customer_lifetime_value",
    "drivers",
    "elasticity",
    "BoundedPlan",
    "bounded_allocation",
    "choose_by_origins",
    "curve_draws",
    "engagement_features",
    "evaluate",
    "explain_change",
    "fit_channels",
    "fit_forecast",
    "get_scorer",
    "growth",
    "next_best_actions",
    "price_guidance",
    "product_affinity",
    "rfm_scores",
    "rfm_summary",
    "rolling_origins",
    "score_texts",
    "select_purchase_model",
    "transaction_features",
    "upsell_label",
    "variation_reason",
]


def __getattr__(name: str) -> Any:
    """Import an exported entry point on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
