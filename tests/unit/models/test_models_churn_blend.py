"""Churn blend: weight choice, Platt calibration and the fitted blend on a small synthetic problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.churn_blend import BlendedChurnModel, apply_platt, best_by_auc, choose_weight, fit_platt, logit


def test_choose_weight_prefers_the_model_that_ranks_better() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    perfect = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    reversed_ = perfect[::-1].copy()
    assert choose_weight(y, perfect, reversed_) > 0.5  # 0.75 already ranks perfectly; first best wins
    assert choose_weight(y, reversed_, perfect) == 0.0


def test_best_by_auc_breaks_ties_by_order() -> None:
    y = np.array([0, 1])
    assert best_by_auc(y, {"a": np.array([0.1, 0.9]), "b": np.array([0.2, 0.8])}) == ("a", 1.0)


def test_platt_is_monotone_and_recovers_calibrated_inputs() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 20_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    slope, intercept = fit_platt(y, p)
    assert slope == pytest.approx(1.0, abs=0.05) and intercept == pytest.approx(0.0, abs=0.05)
    calibrated = apply_platt(np.sort(p), 2.0, -1.0)
    assert (np.diff(calibrated) >= 0).all() and ((calibrated > 0) & (calibrated < 1)).all()
    assert logit(np.array([0.5]))[0] == 0.0


def test_blended_model_probabilities_rank_a_synthetic_signal() -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    y = pd.Series((rng.uniform(size=600) < 1 / (1 + np.exp(-2 * x["a"]))).astype(int))
    model = BlendedChurnModel(params={"n_estimators": 50, "n_jobs": 1, "random_state": 0}).fit(x, y)
    proba = model.predict_proba(x)
    assert proba.between(0.0, 1.0).all() and proba.mean() == pytest.approx(y.mean(), abs=0.05)
    assert np.corrcoef(proba, x["a"])[0, 1] > 0.8
    assert set(model.chosen) >= {"C", "max_depth", "weight", "platt", "inner_auc"}


def test_blended_predict_before_fit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        BlendedChurnModel().predict_proba(pd.DataFrame({"x": [1.0]}))
