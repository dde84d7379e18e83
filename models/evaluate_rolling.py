"""Rolling-origin evaluations of the classifiers (`python -m models evaluate churn-rolling | lead-rolling |
upsell-rolling`).

Each trains at four origins on the past only (`models.rolling`) and prints every origin's AUC, PR-AUC and
Brier score beside a named baseline: churn on CDNOW master (recency only); lead score and upsell on the
demo generator's world, as no public data set has prospects or product categories (lead score: the prior
rate; upsell: the category's uptake in the customer's segment); the prior rate is every Brier baseline.
"""

from __future__ import annotations

import logging
from functools import cache

import pandas as pd

from models.card import ModelCard
from models.rolling import Examples, card_metrics, origins_before, rolling_evaluation, table_notes

logger = logging.getLogger(__name__)

CHURN_HORIZON_DAYS = 91  # 13 weeks, the warehouse churn model's 90 days on CDNOW's weekly rhythm
UPSELL_HORIZON_DAYS = 90
LEAD_HORIZON_DAYS = 180  # the warehouse lead score's label: a first purchase within 180 days
LEAD_STEP_DAYS = 90  # two years of demo data hold four 180-day origins only if they are 90 days apart
ORIGINS = 4
CDNOW_END = "1998-06-30"


def churn_examples(transactions: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int) -> Examples:
    """CDNOW churn at `cutoff`: calibration features plus BG/NBD's P(alive) and expected purchases fitted on
    the data to `cutoff`; churned = no purchase in the next `horizon_days`; baseline = days since the last
    purchase."""
    from models.churn import transaction_features
    from models.clv import PurchaseModel, rfm_summary
    from models.features import churn_label

    features = transaction_features(transactions, cutoff)
    summary = rfm_summary(transactions, cutoff).reindex(features.index)
    bgnbd = PurchaseModel.fit(summary, "bgnbd")
    features["bgnbd_p_alive"] = bgnbd.p_alive(summary)
    features["bgnbd_expected_purchases"] = bgnbd.predict(summary, horizon_days / 7.0)
    label = churn_label(transactions, features.index, cutoff, horizon_days)
    return Examples(features, label, features["recency_days"])


def evaluate_churn_rolling(which: str = "master") -> ModelCard:
    """The churn blend at 4 rolling 13-week origins of a CDNOW file, beside recency alone and the prior rate."""
    from models.churn_blend import BlendedChurnModel
    from models.datasets import load_cdnow

    transactions = load_cdnow(which)
    origins = origins_before(CDNOW_END, CHURN_HORIZON_DAYS, ORIGINS)

    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        return churn_examples(transactions, cutoff, CHURN_HORIZON_DAYS)

    table = rolling_evaluation(examples_at, origins, CHURN_HORIZON_DAYS, BlendedChurnModel)
    card = ModelCard(
        name="churn",
        dataset=f"CDNOW {which}, {transactions['customer_id'].nunique():,} customers; test origins "
        + ", ".join(str(o.date()) for o in origins),
        method=(
            f"logistic + xgboost blend (Platt), trained at origin − {CHURN_HORIZON_DAYS} days on who bought in the "
            f"{CHURN_HORIZON_DAYS} days up to the origin, scored on who buys in the {CHURN_HORIZON_DAYS} days after it"
        ),
        baseline="recency only (days since the last purchase) for AUC and PR-AUC; the prior rate for Brier",
        notes=table_notes(table),
    )
    card.add(**card_metrics(table))
    return card


def upsell_examples(
    lines: pd.DataFrame, customers: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int
) -> Examples:
    """Upsell pairs at `cutoff` (customer × category not yet bought); baseline = the segment's uptake."""
    from models.upsell import candidate_pairs, upsell_label

    x = candidate_pairs(lines, customers, cutoff)
    y = upsell_label(lines, x.index, cutoff, horizon_days)
    return Examples(x, y, x["segment_uptake"])


def evaluate_upsell_rolling(customers: int = 2000, seed: int = 3) -> ModelCard:
    """Upsell propensity at 4 rolling 90-day origins of the demo world, beside the segment-uptake baseline."""
    from models.churn import ChurnModel
    from models.demo import demo_world

    world = demo_world(customers, seed)
    lines = world.lines
    who = lines[["customer_id", "segment"]].drop_duplicates("customer_id")
    origins = origins_before(lines["date"].max(), UPSELL_HORIZON_DAYS, ORIGINS)

    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        return upsell_examples(lines, who, cutoff, UPSELL_HORIZON_DAYS)

    table = rolling_evaluation(examples_at, origins, UPSELL_HORIZON_DAYS, ChurnModel)
    card = ModelCard(
        name="upsell",
        dataset=f"demo generator world, {customers:,} customers (seed {seed}); test origins "
        + ", ".join(str(o.date()) for o in origins),
        method=(
            "calibrated xgboost on (customer, category not yet bought) pairs, trained at origin − "
            f"{UPSELL_HORIZON_DAYS} days, scored on the categories bought in the {UPSELL_HORIZON_DAYS} days after"
        ),
        baseline="the category's uptake among the customer's segment for AUC and PR-AUC; the prior rate for Brier",
        notes=table_notes(table),
    )
    card.add(**card_metrics(table))
    return card


def lead_examples(
    lines: pd.DataFrame, people: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int
) -> Examples:
    """Prospects at `cutoff` (no purchase yet) with the warehouse's lead features; converted = a first
    purchase within `horizon_days`; baseline = the prior rate (a constant: it ranks nobody)."""
    from models.features import conversion_label, prospect_features, prospects_at

    index = prospects_at(lines, people, cutoff)
    nothing = pd.DataFrame({"customer_id": [], "date": pd.to_datetime([]), "kind": []})
    x = prospect_features(people, nothing, index, cutoff)
    y = conversion_label(lines, index, cutoff, horizon_days)
    return Examples(x, y, pd.Series(0.0, index=index))


def evaluate_lead_rolling(customers: int = 2000, seed: int = 3) -> ModelCard:
    """Lead score at 4 rolling origins (180-day label, 90 days apart) of the demo world, beside the prior rate."""
    from models.churn import ChurnModel
    from models.demo import demo_world

    world = demo_world(customers, seed)
    lines, people = world.lines, world.people
    origins = origins_before(lines["date"].max(), LEAD_HORIZON_DAYS, ORIGINS, LEAD_STEP_DAYS)

    @cache
    def examples_at(cutoff: pd.Timestamp) -> Examples:
        return lead_examples(lines, people, cutoff, LEAD_HORIZON_DAYS)

    table = rolling_evaluation(examples_at, origins, LEAD_HORIZON_DAYS, ChurnModel)
    card = ModelCard(
        name="lead_score",
        dataset=f"demo generator world, {len(people):,} people of whom {lines['customer_id'].nunique():,} buy "
        f"(seed {seed}); test origins " + ", ".join(str(o.date()) for o in origins),
        method=(
            "calibrated xgboost on the warehouse's lead features (lead list, directory listing, Instagram "
            f"profile, website), trained at origin − {LEAD_HORIZON_DAYS} days on prospects then, scored on "
            f"who makes a first purchase in the {LEAD_HORIZON_DAYS} days after the origin"
        ),
        baseline="the prior rate (AUC 0.5, PR-AUC = the positive rate; Brier of the training origin's rate)",
        notes=table_notes(table),
    )
    card.add(**card_metrics(table))
    return card
