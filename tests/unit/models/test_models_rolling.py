"""Rolling-origin evaluation: each origin trains on the horizon before it only, metrics sit beside a named
baseline and the prior rate, and on the demo world the upsell model beats its segment-uptake baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.rolling import Examples, card_metrics, origins_before, rolling_evaluation


class _Logistic:
    def fit(self, x: pd.DataFrame, y: pd.Series) -> _Logistic:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression().fit(x.to_numpy(), y.to_numpy())
        return self

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(x.to_numpy())[:, 1]


def test_each_origin_trains_on_the_horizon_before_it_and_scores_the_one_after() -> None:
    asked: list[pd.Timestamp] = []

    def examples_at(cutoff: pd.Timestamp) -> Examples:
        asked.append(cutoff)
        rng = np.random.default_rng(cutoff.dayofyear)
        signal = rng.normal(size=600)
        y = pd.Series((signal + rng.normal(size=600) > 0.8).astype(int))
        x = pd.DataFrame({"signal": signal})
        return Examples(x, y, pd.Series(rng.normal(size=600)))  # a baseline that knows nothing

    origins = origins_before("2026-12-31", 90, 4)
    assert [str(o.date()) for o in origins] == ["2026-01-05", "2026-04-05", "2026-07-04", "2026-10-02"]
    table = rolling_evaluation(examples_at, origins, 90, _Logistic)
    assert asked == [c for o in origins for c in (o - pd.Timedelta(days=90), o)]  # never past the origin
    assert list(table.index) == [str(o.date()) for o in origins] + ["mean"]
    assert (table["auc"] > table["baseline_auc"] + 0.15).all()
    assert (table["brier"] < table["prior_brier"]).all()
    assert table.loc["mean", "auc"] == np.mean(table["auc"].iloc[:4])
    assert set(card_metrics(table)) >= {
        "o1_auc",
        "o4_pr_auc",
        "mean_auc",
        "mean_baseline_auc",
        "mean_prior_brier",
    }


def test_upsell_on_the_demo_world_beats_segment_uptake_over_four_origins() -> None:
    from models.evaluate_rolling import evaluate_upsell_rolling

    card = evaluate_upsell_rolling(customers=1000, seed=3)
    m = card.metrics
    assert [f"o{k}_auc" in m for k in range(1, 5)] == [True] * 4
    assert m["mean_auc"] > m["mean_baseline_auc"]
    assert m["mean_pr_auc"] > m["mean_baseline_pr_auc"]
    assert m["mean_brier"] < m["mean_prior_brier"]
    assert "baseline" in card.render() and "origin" in card.render()


def test_lead_score_on_the_demo_world_ranks_prospects_better_than_the_prior_rate() -> None:
    from models.evaluate_rolling import evaluate_lead_rolling

    m = evaluate_lead_rolling(customers=1000, seed=3).metrics
    for k in range(1, 5):
        assert m[f"o{k}_baseline_auc"] == 0.5 and m[f"o{k}_auc"] > 0.55
    assert m["mean_pr_auc"] > m["mean_baseline_pr_auc"]
    assert m["mean_brier"] < m["mean_prior_brier"]
