"""Churn: feature arithmetic, optional engagement features, calibrated probabilities on real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.bgnbd import bgnbd_p_no_purchase
from models.churn import ChurnModel, classification_metrics, engagement_features, transaction_features
from models.clv import rfm_summary
from models.datasets import load_cdnow


def test_transaction_features_rfm_and_inter_purchase_times() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": ["2024-01-01", "2024-01-11", "2024-01-31", "2024-01-20"],
            "amount": [10.0, 20.0, 30.0, 5.0],
            "quantity": [1, 2, 3, 1],
        }
    )
    feats = transaction_features(tx, "2024-02-10")
    one = feats.loc[1]
    assert one["recency_days"] == 10 and one["tenure_days"] == 40 and one["n_purchases"] == 3
    assert one["ipt_mean"] == 15 and one["ipt_last"] == 20 and one["total_amount"] == 60
    assert one["total_quantity"] == 6 and one["purchases_last_30d"] == 1
    assert np.isnan(feats.loc[2, "ipt_mean"])


def test_engagement_features_only_when_sources_exist() -> None:
    customers = pd.Index([1, 2], name="customer_id")
    assert engagement_features(customers, "2024-02-01").shape == (2, 0)
    complaints = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-05", "2024-01-20", "2024-03-01"]})
    sentiment = pd.DataFrame({"customer_id": [2], "date": ["2024-01-02"], "score": [-0.5]})
    feats = engagement_features(customers, "2024-02-01", complaints=complaints, sentiment=sentiment)
    assert feats.loc[1, "complaints_count"] == 2 and feats.loc[2, "complaints_count"] == 0
    assert feats.loc[2, "sentiment_mean"] == -0.5 and np.isnan(feats.loc[1, "sentiment_mean"])


def test_churn_model_returns_calibrated_probabilities_on_cdnow_sample() -> None:
    tx = load_cdnow("sample")
    features = transaction_features(tx, "1997-09-30")
    holdout = rfm_summary(tx, "1997-09-30", "1998-06-30")["frequency_holdout"].reindex(features.index)
    churned = (holdout == 0).astype(int)
    train = features.index.to_series().sample(frac=0.7, random_state=0).index
    test = features.index.difference(train)
    model = ChurnModel(params={**ChurnModel().params, "n_estimators": 100}).fit(
        features.loc[train], churned.loc[train]
    )
    proba = model.predict_proba(features.loc[test])
    assert proba.between(0.0, 1.0).all()
    assert proba.mean() == pytest.approx(churned.loc[test].mean(), abs=0.05)  # calibrated on average
    metrics = classification_metrics(churned.loc[test], proba)
    assert metrics["auc"] > 0.7
    assert metrics["accuracy"] > max(churned.mean(), 1 - churned.mean())


def test_predict_before_fit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        ChurnModel().predict_proba(pd.DataFrame({"x": [1.0]}))


BGNBD = {"r": 0.8, "alpha": 8.0, "a": 0.7, "b": 2.5}


def test_bgnbd_p_no_purchase_closed_form_for_one_time_buyers_and_recency() -> None:
    T = np.array([10.0, 30.0])
    none = bgnbd_p_no_purchase(BGNBD, [0, 0], [0, 0], T, 39.0)
    assert none == pytest.approx(((8.0 + T) / (8.0 + T + 39.0)) ** 0.8)
    recent, lapsed = bgnbd_p_no_purchase(BGNBD, [3, 3], [29.0, 5.0], [30.0, 30.0], 39.0)
    assert 0.0 < recent < lapsed < 1.0


def test_bgnbd_p_no_purchase_matches_simulated_bgnbd_customers() -> None:
    rng = np.random.default_rng(0)
    n, T, horizon = 200_000, rng.uniform(20.0, 40.0, 200_000), 39.0
    rate = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    last = rng.geometric(rng.beta(BGNBD["a"], BGNBD["b"], n))  # drops out right after this repeat purchase
    before, after = rng.poisson(rate * T), rng.poisson(rate * horizon)
    x = np.minimum(before, last)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(before - x + 1, 1)), 0.0)
    none = (last <= before) | (after == 0)
    p = bgnbd_p_no_purchase(BGNBD, x, t_x, T, horizon)
    for group in (x == 0, x == 1, (x >= 2) & (T - t_x > 10.0), (x >= 2) & (T - t_x <= 10.0)):
        assert p[group].mean() == pytest.approx(none[group].mean(), abs=0.01)
