"""Next best action per customer: each action's expected value from model outputs, gated by business rules.

Input: one row per customer with `churn_probability` (models.churn), `clv` (models.clv, £ over the
horizon), `upsell_propensity` (0..1), `recency_days`, `is_customer` (False for a lead/prospect),
`open_complaint` and optionally `lead_conversion_probability`, `segment` (RFM, models.descriptive) and
`do_not_contact`. `RULES` is the whole rule table; `next_best_actions` evaluates it and ranks.

| action | eligible when | expected value (£) |
|---|---|---|
| retention_call | customer, and churn_probability ≥ 0.3 or an open complaint | churn_p × clv × 0.25 (save rate) − 15 |
| upsell_offer | customer, no open complaint, churn_probability < 0.5 | propensity × clv × 0.15 (uplift) − 5 |
| re_engagement | customer, recency_days ≥ 90, no open complaint | 0.10 (win-back) × clv − 2 |
| thank_you | customer, segment Champions/Loyal, no open complaint | 0.02 × clv − 1 |
| nurture_lead | not a customer | lead_conversion_p (default 0.05) × median customer CLV − 3 |

Nobody flagged `do_not_contact` gets an action; an action with expected value ≤ 0 is not recommended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

Mask = Callable[[pd.DataFrame], "pd.Series[bool]"]
Value = Callable[[pd.DataFrame, float], "pd.Series[float]"]

SAVE_RATE = 0.25  # share of at-risk customers a retention call keeps
UPSELL_UPLIFT = 0.15  # share of CLV an accepted upsell adds
WINBACK_RATE = 0.10  # share of lapsed customers a re-engagement campaign brings back
THANKS_LIFT = 0.02  # retention gained by thanking a top customer, as a share of CLV
LEAD_CONVERSION = 0.05  # default probability that a nurtured lead becomes a customer
LAPSED_DAYS = 90


@dataclass(frozen=True)
class Rule:
    """One action: who may receive it (`eligible`), what it is worth (`value`) and what it costs."""

    action: str
    description: str
    eligible: Mask
    value: Value
    cost: float


def _col(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(default, index=frame.index)


def _flag(frame: pd.DataFrame, name: str) -> pd.Series:
    return _col(frame, name, False).fillna(False).astype(bool)


RULES: tuple[Rule, ...] = (
    Rule(
        "retention_call",
        "customer at risk (churn >= 0.3) or with an open complaint: the account manager calls",
        lambda f: _flag(f, "is_customer") & ((f["churn_probability"] >= 0.3) | _flag(f, "open_complaint")),
        lambda f, _: f["churn_probability"] * f["clv"] * SAVE_RATE,
        15.0,
    ),
    Rule(
        "upsell_offer",
        "engaged customer without an open complaint (churn < 0.5): offer a complementary range",
        lambda f: _flag(f, "is_customer") & ~_flag(f, "open_complaint") & (f["churn_probability"] < 0.5),
        lambda f, _: _col(f, "upsell_propensity", 0.0) * f["clv"] * UPSELL_UPLIFT,
        5.0,
    ),
    Rule(
        "re_engagement",
        f"customer lapsed {LAPSED_DAYS}+ days, no open complaint: win-back offer",
        lambda f: _flag(f, "is_customer") & ~_flag(f, "open_complaint") & (f["recency_days"] >= LAPSED_DAYS),
        lambda f, _: f["clv"] * WINBACK_RATE,
        2.0,
    ),
    Rule(
        "thank_you",
        "Champions or Loyal customer without an open complaint: a thank-you note",
        lambda f: (
            _flag(f, "is_customer")
            & ~_flag(f, "open_complaint")
            & _col(f, "segment", "").isin(["Champions", "Loyal"])
        ),
        lambda f, _: f["clv"] * THANKS_LIFT,
        1.0,
    ),
    Rule(
        "nurture_lead",
        "lead or prospect (not yet a customer): nurture e-mail sequence",
        lambda f: ~_flag(f, "is_customer"),
        lambda f, typical_clv: (
            _col(f, "lead_conversion_probability", LEAD_CONVERSION).fillna(LEAD_CONVERSION) * typical_clv
        ),
        3.0,
    ),
)


def rule_table() -> pd.DataFrame:
    """The rule table as a frame (action, description, cost), for the portal and documentation."""
    return pd.DataFrame([{"action": r.action, "description": r.description, "cost": r.cost} for r in RULES])


def score_actions(customers: pd.DataFrame, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """Every eligible (customer, action) with its expected value net of cost, ranked per customer.

    Long format: customer index, action, expected_value, rank (1 = best). Customers flagged
    `do_not_contact` and actions worth ≤ 0 are left out. Missing clv or churn probability is rejected.
    """
    for name in ("churn_probability", "clv", "recency_days"):
        if name not in customers.columns:
            raise ValueError(f"next best action needs column {name!r}; got {list(customers.columns)}")
        bad = customers[name].isna() & _flag(customers, "is_customer")
        if bad.any():
            raise ValueError(f"{name} is missing for customers {list(customers.index[bad][:5])}")
    paying = customers.loc[_flag(customers, "is_customer"), "clv"]
    typical_clv = float(paying.median()) if len(paying) else 0.0
    reachable = ~_flag(customers, "do_not_contact")
    frames = []
    for rule in rules:
        mask = rule.eligible(customers) & reachable
        ev = (rule.value(customers, typical_clv) - rule.cost)[mask]
        frames.append(
            pd.DataFrame({"customer": ev.index, "action": rule.action, "expected_value": ev.to_numpy()})
        )
    scored = pd.concat(frames, ignore_index=True)
    scored = scored[scored["expected_value"] > 0].sort_values(
        ["customer", "expected_value"], ascending=[True, False]
    )
    scored["rank"] = scored.groupby("customer").cumcount() + 1
    return scored.reset_index(drop=True)


def next_best_actions(customers: pd.DataFrame, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """One row per customer (same index): best action, its expected value and the runner-up (or None)."""
    scored = score_actions(customers, rules)
    first = scored[scored["rank"] == 1].set_index("customer")
    second = scored[scored["rank"] == 2].set_index("customer")
    out = pd.DataFrame(index=customers.index)
    out["action"] = first["action"].reindex(out.index)
    out["expected_value"] = first["expected_value"].reindex(out.index).fillna(0.0)
    out["runner_up"] = second["action"].reindex(out.index)
    for name in ("action", "runner_up"):
        out[name] = [a if isinstance(a, str) else None for a in out[name]]
    logger.info("next best action for %d customers: %s", len(out), out["action"].value_counts().to_dict())
    return out.astype({"expected_value": np.float64})
