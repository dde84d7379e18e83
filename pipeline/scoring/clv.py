"""CLV model fitting: BG/NBD and Gamma-Gamma parameters (and, for the ML alternative, a Poisson regression of
purchases), and the models rebuilt from them to score."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

CLV_PENALTIES = (0.0, 0.001, 0.01, 0.1)


def fit_clv(summary: pd.DataFrame, spend_too: bool = True) -> dict[str, Any]:
    """BG/NBD and Gamma-Gamma parameters; on a small base that does not converge unpenalised, the
    smallest L2 penalty of `CLV_PENALTIES` that converges (recorded with the parameters). Without
    `spend_too`, BG/NBD only (enough to count purchases)."""
    from models.clv import PurchaseModel, SpendModel

    def purchases(penalty: float) -> dict[str, float]:
        return PurchaseModel.fit(summary, f"bgnbd_l2={penalty}" if penalty else "bgnbd").params

    def spend(penalty: float) -> dict[str, float]:
        return SpendModel.fit(summary, penalizer=penalty).params

    out: dict[str, Any] = {}
    fitters: dict[str, Callable[[float], dict[str, float]]] = {"bgnbd": purchases}
    if spend_too:
        fitters["gamma_gamma"] = spend
    for key, fit in fitters.items():
        for penalty in CLV_PENALTIES:
            try:
                out[key], out[f"{key}_penalty"] = fit(penalty), penalty
                break
            except Exception as e:  # lifetimes raises ConvergenceError (or a numpy error) when it fails
                logger.info("clv: %s did not converge at penalty %s: %s", key, penalty, e)
        else:
            raise RuntimeError(f"clv: {key} did not converge at any penalty in {CLV_PENALTIES}")
    return out


def fit_clv_ml(
    summary: pd.DataFrame,
    features: pd.DataFrame,
    purchases: pd.Series,
    horizon_days: int,
    spend_too: bool = True,
) -> dict[str, Any]:
    """The ML alternative: `fit_clv`'s BG/NBD (the curve over time) and Gamma-Gamma (spend), plus a Poisson
    regression of the purchases in `horizon_days` on `features` (which sets each customer's level)."""
    from models.clv_ml import PurchaseRegressor

    out = fit_clv(summary, spend_too)
    out["regressor"] = PurchaseRegressor(horizon_days).fit(features, purchases)
    return out


def clv_models(fitted: Mapping[str, Any], features: pd.DataFrame | None = None) -> tuple[Any, Any]:
    """The purchase and spend models rebuilt from a fitted CLV version (lifetimes' fitters do not pickle).

    For the ML alternative (a `regressor` in `fitted`) each customer's BG/NBD curve is scaled to the
    regression's prediction from `features` (customers without features keep the BG/NBD curve).
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    from models.clv import PurchaseModel, SpendModel
    from models.clv_ml import ScaledPurchaseModel

    purchase, spend = BetaGeoFitter(), GammaGammaFitter()
    purchase.params_ = pd.Series(dict(fitted["bgnbd"]))
    spend.params_ = pd.Series(dict(fitted.get("gamma_gamma", {})))
    purchases: Any = PurchaseModel(name="bgnbd", fitters={0: purchase})
    if "regressor" in fitted:
        if features is None:
            raise ValueError("clv: the ML alternative needs the customers' features to score")
        regressor = fitted["regressor"]
        purchases = ScaledPurchaseModel(purchases, regressor.predict(features), regressor.horizon_days / 7.0)
    return purchases, SpendModel(fitter=spend)


def purchases_mae(
    fitted: Mapping[str, Any], summary: pd.DataFrame, features: pd.DataFrame | None, days: int
) -> float:
    """Mean absolute error of each customer's predicted purchases in the `days` after calibration."""
    predicted = clv_models(fitted, features)[0].predict(summary, days / 7.0)
    return float((predicted - summary["frequency_holdout"]).abs().mean())
