"""Machine-learning models of the Customer 360 platform: CLV, churn, sales forecast and sentiment.

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
    from models.card import ModelCard
    from models.churn import ChurnModel, cross_validate, engagement_features, transaction_features
    from models.clv import (
        PurchaseModel,
        SpendModel,
        customer_lifetime_value,
        rfm_summary,
        select_purchase_model,
    )
    from models.evaluate import evaluate
    from models.forecast import ForecastResult, fit_forecast
    from models.sentiment import get_scorer, score_texts

_EXPORTS: dict[str, str] = {
    "ModelCard": "models.card",
    "ChurnModel": "models.churn",
    "cross_validate": "models.churn",
    "engagement_features": "models.churn",
    "transaction_features": "models.churn",
    "PurchaseModel": "models.clv",
    "SpendModel": "models.clv",
    "customer_lifetime_value": "models.clv",
    "rfm_summary": "models.clv",
    "select_purchase_model": "models.clv",
    "evaluate": "models.evaluate",
    "ForecastResult": "models.forecast",
    "fit_forecast": "models.forecast",
    "get_scorer": "models.sentiment",
    "score_texts": "models.sentiment",
}

__all__ = [
    "ChurnModel",
    "ForecastResult",
    "ModelCard",
    "PurchaseModel",
    "SpendModel",
    "cross_validate",
    "customer_lifetime_value",
    "engagement_features",
    "evaluate",
    "fit_forecast",
    "get_scorer",
    "rfm_summary",
    "score_texts",
    "select_purchase_model",
    "transaction_features",
]


def __getattr__(name: str) -> Any:
    """Import an exported entry point on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
