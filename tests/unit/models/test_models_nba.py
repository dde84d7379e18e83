"""Next best action: the rule table's gates and the ranking by expected value."""

from __future__ import annotations

import pandas as pd
import pytest

from models.nba import RULES, next_best_actions, rule_table, score_actions


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "churn_probability": [0.8, 0.8, 0.1, 0.1, 0.2, 0.1, 0.0, 0.1],
            "clv": [2000.0, 2000.0, 5000.0, 5000.0, 800.0, 3000.0, 0.0, 3000.0],
            "upsell_propensity": [0.5, 0.5, 0.6, 0.6, 0.1, 0.0, 0.0, 0.0],
            "recency_days": [30, 30, 10, 10, 200, 5, 0, 5],
            "is_customer": [True, True, True, True, True, True, False, True],
            "open_complaint": [False, True, False, True, False, False, False, False],
            "segment": [
                "At risk",
                "At risk",
                "Champions",
                "Champions",
                "Hibernating",
                "Loyal",
                None,
                "Loyal",
            ],
            "do_not_contact": [False, False, False, False, False, False, False, True],
        },
        index=["risky", "risky_complaint", "champ", "champ_complaint", "lapsed", "loyal", "lead", "dnc"],
    )


def test_rule_table_lists_every_action() -> None:
    assert rule_table()["action"].tolist() == [
        "retention_call",
        "upsell_offer",
        "re_engagement",
        "thank_you",
        "nurture_lead",
    ]
    assert len(RULES) == 5


def test_best_action_per_customer() -> None:
    best = next_best_actions(_customers())
    assert best.loc["risky", "action"] == "retention_call"  # 0.8*2000*0.25-15 = 385
    assert best.loc["champ", "action"] == "upsell_offer"  # 0.6*5000*0.15-5 = 445 > thank-you 99
    assert best.loc["champ", "runner_up"] == "thank_you"
    assert best.loc["champ", "expected_value"] == pytest.approx(445.0)
    assert best.loc["lapsed", "action"] == "re_engagement"
    assert best.loc["loyal", "action"] == "thank_you"
    assert best.loc["lead", "action"] == "nurture_lead"  # 0.05 * median customer CLV (3000) - 3
    assert best.loc["lead", "expected_value"] == pytest.approx(0.05 * 3000.0 - 3.0)
    assert best.loc["dnc", "action"] is None and best.loc["dnc", "expected_value"] == 0.0


def test_open_complaint_blocks_upsell_and_thanks_but_gets_a_call() -> None:
    scored = score_actions(_customers())
    complaint = set(scored.loc[scored["customer"] == "champ_complaint", "action"])
    assert complaint == {"retention_call"}  # called although churn is only 0.1
    assert "upsell_offer" not in set(scored.loc[scored["customer"] == "risky_complaint", "action"])


def test_missing_model_output_is_rejected() -> None:
    frame = _customers()
    frame.loc["champ", "clv"] = None
    with pytest.raises(ValueError, match="clv is missing for customers \\['champ'\\]"):
        next_best_actions(frame)
