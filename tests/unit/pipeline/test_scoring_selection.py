"""Choosing a model family's algorithm over rolling origins: the baseline is kept unless beaten, every origin's
figure is kept, and a short history falls back to the single holdout and says so."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models import registry
from models.baselines import ColumnScore, LogisticModel
from models.rolling import Examples
from pipeline.scoring.selection import (
    HOLDOUT,
    ORIGINS,
    ROLLING,
    Figures,
    Option,
    Selection,
    choose,
    compared,
    holdout_classifiers,
    plan_origins,
    rolling_classifiers,
    sampled_note,
)

AS_OF = pd.Timestamp("2026-11-27")


def _figures(name: str, values: list[float], baseline: bool = False) -> Figures:
    days = ["2025-12-02", "2026-03-02", "2026-05-31", "2026-08-29"]
    return Figures(
        name, baseline, [{"cutoff": d, "value": v, "rows": 50} for d, v in zip(days, values, strict=True)]
    )


def test_the_baseline_wins_a_tie_and_loses_only_to_a_strictly_better_mean() -> None:
    base = _figures("logistic", [0.70, 0.72, 0.68, 0.70], baseline=True)
    same = _figures("xgboost+isotonic", [0.72, 0.70, 0.70, 0.68])  # the same mean, 0.70
    noise = _figures("blend", [0.70, 0.72, 0.68, 0.70 + 4e-5])  # better only below the 4th decimal
    assert choose([same, noise, base], higher_is_better=True) == "logistic"
    better = _figures("xgboost+isotonic", [0.71, 0.73, 0.69, 0.71])
    assert choose([base, better], higher_is_better=True) == "xgboost+isotonic"
    # Two candidates equally better than the baseline: the one listed first (the simpler one) is kept.
    twin = _figures("blend", [0.71, 0.73, 0.69, 0.71])
    assert choose([base, better, twin], higher_is_better=True) == "xgboost+isotonic"


def test_lower_is_better_and_every_origin_rule_for_errors() -> None:
    bgnbd = _figures("bgnbd", [1.0, 1.2, 0.9, 1.1], baseline=True)
    wins_on_mean_only = _figures("regression", [0.5, 0.6, 0.95, 0.7])  # worse at the third origin
    assert choose([bgnbd, wins_on_mean_only], higher_is_better=False) == "regression"
    assert choose([bgnbd, wins_on_mean_only], higher_is_better=False, every_origin=True) == "bgnbd"
    everywhere = _figures("regression", [0.9, 1.1, 0.8, 1.0])
    assert choose([bgnbd, everywhere], higher_is_better=False, every_origin=True) == "regression"


def test_four_origins_tile_the_last_year_or_the_history_is_said_to_be_too_short() -> None:
    origins, why = plan_origins(pd.Timestamp("2024-03-01"), AS_OF, 90)
    assert why == "" and len(origins) == ORIGINS
    assert origins[-1] == AS_OF - pd.Timedelta(days=90)
    assert [(b - a).days for a, b in zip(origins[:-1], origins[1:], strict=True)] == [90, 90, 90]
    # The first origin trains on examples 90 days before it, with 90 days of history behind those.
    assert origins[0] - pd.Timedelta(days=180) >= pd.Timestamp("2024-03-01")
    none, why = plan_origins(pd.Timestamp("2026-01-01"), AS_OF, 90)
    assert none == [] and "330 days of sales are too short for 4 origins" in why


def _world(seed: int, n: int = 240) -> Examples:
    """Customers at one cut-off: `signal` drives the label, `score` ranks exactly as `signal` does."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    x = pd.DataFrame(
        {"signal": signal, "score": 1.0 / (1.0 + np.exp(-signal)), "weak": rng.uniform(size=n)},
        index=pd.Index(range(n), name="customer_id"),
    )
    y = pd.Series((signal + rng.normal(scale=0.7, size=n) > 0.3).astype(int), index=x.index)
    return Examples(x, y, x["weak"])


def _examples_at(cutoff: pd.Timestamp) -> Examples:
    return _world(int(cutoff.toordinal()) % 10_000)


def test_rolling_origins_keep_every_figure_and_a_baseline_that_ranks_as_well() -> None:
    origins, _ = plan_origins(pd.Timestamp("2024-03-01"), AS_OF, 90)

    # Fitted on `score` alone, the logistic regression ranks customers exactly as `score` does: a tie.
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        world = _examples_at(cutoff)
        return Examples(world.x[["score"]], world.y, world.baseline)

    options = [
        Option("score", lambda: ColumnScore("score"), baseline=True),
        Option("logistic", LogisticModel),
    ]
    found = rolling_classifiers(examples_at, origins, 90, options)
    assert isinstance(found, Selection) and found.method == ROLLING
    assert found.chosen == "score"
    stored = json.loads(json.dumps(found.as_json()))
    assert [c["algorithm"] for c in stored["candidates"]] == ["score", "logistic"]
    for candidate in stored["candidates"]:
        assert [o["cutoff"] for o in candidate["origins"]] == [str(o.date()) for o in origins]
        assert all(o["rows"] == 240 and o["train_rows"] == 240 for o in candidate["origins"])
        assert candidate["mean"] == pytest.approx(
            np.mean([o["value"] for o in candidate["origins"]]), abs=1e-6
        )
        assert candidate["mean"] > 0.75  # `signal` predicts the label well at every origin
    a, b = stored["candidates"]
    assert [o["value"] for o in a["origins"]] == pytest.approx([o["value"] for o in b["origins"]])
    assert found.summary() == "by mean auc over 4 rolling origins"


def test_a_candidate_that_ranks_better_at_the_origins_replaces_the_baseline() -> None:
    origins, _ = plan_origins(pd.Timestamp("2024-03-01"), AS_OF, 90)
    options = [Option("weak", lambda: ColumnScore("weak"), baseline=True), Option("logistic", LogisticModel)]
    found = rolling_classifiers(_examples_at, origins, 90, options)
    assert isinstance(found, Selection) and found.chosen == "logistic"
    weak, logistic = found.figures
    assert weak.mean < 0.65 < logistic.mean


def test_an_origin_with_too_few_of_one_label_sends_the_choice_to_the_holdout() -> None:
    origins, _ = plan_origins(pd.Timestamp("2024-03-01"), AS_OF, 90)

    def examples_at(cutoff: pd.Timestamp) -> Examples:
        world = _world(1)
        if cutoff == origins[1]:  # everybody churned in that window but two
            return Examples(
                world.x, pd.Series(1, index=world.x.index).mask(world.x.index < 2, 0), world.baseline
            )
        return world

    options = [Option("logistic", LogisticModel, baseline=True)]
    why = rolling_classifiers(examples_at, origins, 90, options)
    assert why == f"at cut-off {origins[1].date()} only 2 examples of one label (needs 3)"
    test = _world(2)
    fallback = holdout_classifiers(
        [*options, Option("weak", lambda: ColumnScore("weak"))],
        lambda o: {"auc": 0.9 if o.baseline else 0.6},
        AS_OF - pd.Timedelta(days=90),
        len(test.y),
        why,
    )
    assert fallback.method == HOLDOUT and fallback.chosen == "logistic"
    assert fallback.summary() == f"on the single holdout: {why}"
    assert [len(f.origins) for f in fallback.figures] == [1, 1]


def test_the_comparison_looks_at_a_fixed_sample_of_the_training_customers_on_a_large_base() -> None:
    keys = pd.Index(np.arange(1, 5001))
    small = compared(keys, limit=10_000)
    assert np.array_equal(small, ~registry.in_holdout(keys).to_numpy())  # every training customer
    sample = compared(keys, limit=500)
    assert sample.sum() == 500 and not (sample & registry.in_holdout(keys).to_numpy()).any()
    # A customer in the sample of a base stays in it for any part of that base that holds it (another cut-off).
    part = keys[::3]
    assert set(part[compared(part, limit=500)]) >= set(keys[sample]) & set(part)
    # Several rows of one customer (customer x category pairs) are kept or dropped together.
    pairs = pd.Index(np.repeat(keys.to_numpy(), 3))
    assert set(pairs[compared(pairs, limit=500)]) == set(keys[sample])
    assert (
        sampled_note(4000, limit=500)
        == "on a fixed sample of 500 of the 4,000 training customers at each origin"
    )
    assert sampled_note(400, limit=500) == ""
