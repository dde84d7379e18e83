"""Customer feature frames and labels for the warehouse-trained models, as of a cut-off date.

Inputs are the warehouse facts read as pandas frames (see `pipeline/scoring/inputs.py` for the queries):
``sales`` (customer_id, date, amount, quantity), ``interactions`` (customer_id, date, kind, text) and
``customers`` (customer_id, is_customer, segment, first_seen plus firmographic columns). Every function
only looks at rows dated on or before the cut-off, so a label window after it is never seen by features.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from models.churn import engagement_features, transaction_features
from models.sentiment import get_scorer

logger = logging.getLogger(__name__)

#: Interaction kinds counted separately (any other kind only counts towards the total).
INTERACTION_KINDS: tuple[str, ...] = ("call", "email", "visit", "complaint", "comment", "post")
#: Segments one-hot encoded for the churn model (anything else is "other").
SEGMENTS: tuple[str, ...] = (
    "cleaning", "construction", "education", "healthcare", "hospitality", "manufacturing", "office", "retail",
)  # fmt: skip
#: Firmographic columns of `customers` the lead model may use (none is a consequence of buying).
FIRMOGRAPHIC: tuple[str, ...] = (
    "has_lead", "lead_value", "has_listing", "rating", "has_profile", "followers", "has_website",
    "has_email", "has_phone",
)  # fmt: skip


def comment_sentiment(interactions: pd.DataFrame, kinds: tuple[str, ...] = ("comment",)) -> pd.DataFrame:
    """The `kinds` interactions with text, scored by the default sentiment scorer (`score` in [-1, 1])."""
    rows = interactions[interactions["kind"].isin(kinds) & interactions["text"].notna()]
    scorer = get_scorer()
    texts = rows["text"].astype(str)
    scores = {text: scorer(text) for text in texts.unique()}  # the same words score the same: once each
    return rows.assign(score=texts.map(scores).astype(float))[["customer_id", "date", "score"]]


def customer_features(
    sales: pd.DataFrame,
    interactions: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: pd.Timestamp,
    sentiment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of every customer with a purchase on or before `as_of`, indexed by customer id, sorted.

    RFM, inter-purchase times and trend (`models.churn.transaction_features`); interaction, complaint
    and comment-sentiment aggregates; days known (from ``first_seen``); segment one-hot.
    """
    as_of = pd.Timestamp(as_of)
    feats = transaction_features(sales, as_of).sort_index()
    if feats.empty:
        return feats
    tx = interactions[pd.to_datetime(interactions["date"]) <= as_of]
    scored = comment_sentiment(tx) if sentiment is None else sentiment
    engagement = engagement_features(
        feats.index,
        as_of,
        interactions=tx,
        sentiment=scored[pd.to_datetime(scored["date"]) <= as_of],
        complaints=tx[tx["kind"] == "complaint"],
    )
    engagement["interactions_last_90d"] = _recent_counts(tx, feats.index, as_of, 90)
    info = customers.set_index("customer_id").reindex(feats.index)
    first_seen = pd.to_datetime(info["first_seen"])
    known = (as_of - first_seen.where(first_seen <= as_of)).dt.days.astype(float)
    extra = pd.DataFrame({"known_days": known.fillna(feats["tenure_days"])}, index=feats.index)
    segment = info["segment"].fillna("other").where(info["segment"].isin(SEGMENTS), "other")
    for name in (*SEGMENTS, "other"):
        extra[f"segment_{name}"] = (segment == name).astype(float)
    return pd.concat([feats, engagement, extra], axis=1).astype(float)


def _recent_counts(rows: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp, days: int) -> pd.Series:
    recent = rows[pd.to_datetime(rows["date"]) > as_of - pd.Timedelta(days=days)]
    return recent.groupby("customer_id").size().reindex(index).fillna(0.0).astype(float)


def churn_label(sales: pd.DataFrame, index: pd.Index, cutoff: pd.Timestamp, horizon_days: int) -> pd.Series:
    """1 when the customer made no purchase in the `horizon_days` after `cutoff` (exclusive..inclusive)."""
    dates = pd.to_datetime(sales["date"])
    window = (dates > cutoff) & (dates <= cutoff + pd.Timedelta(days=horizon_days))
    bought = set(sales.loc[window, "customer_id"])
    return pd.Series([0 if c in bought else 1 for c in index], index=index, name="churned", dtype=int)


def prospects_at(sales: pd.DataFrame, customers: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Index:
    """Golden records that had bought nothing on or before `cutoff` (prospects at that date), sorted."""
    bought = set(sales.loc[pd.to_datetime(sales["date"]) <= cutoff, "customer_id"])
    ids = sorted(c for c in customers["customer_id"] if c not in bought)
    index: pd.Index = pd.Index(ids, name="customer_id")
    return index


def prospect_features(
    customers: pd.DataFrame, interactions: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Firmographic (`FIRMOGRAPHIC`) and behavioural (interactions by kind up to `as_of`) lead features.

    Nothing derived from the sales ledger is used (segment, completeness and source count come from the
    accounting system once someone buys, so they would give the answer away).
    """
    as_of = pd.Timestamp(as_of)
    info = customers.set_index("customer_id").reindex(index)
    out = pd.DataFrame(index=index)
    for name in FIRMOGRAPHIC:
        out[name] = pd.to_numeric(info[name], errors="coerce").astype(float) if name in info else np.nan
    tx = interactions[pd.to_datetime(interactions["date"]) <= as_of]
    for kind in INTERACTION_KINDS:
        rows = tx[tx["kind"] == kind]
        out[f"{kind}_count"] = rows.groupby("customer_id").size().reindex(index).fillna(0.0)
    out["interactions_last_90d"] = _recent_counts(tx, index, as_of, 90)
    last = pd.to_datetime(tx.groupby("customer_id")["date"].max()).reindex(index)
    out["days_since_interaction"] = (as_of - last).dt.days.astype(float)
    return out.astype(float)


def conversion_label(
    sales: pd.DataFrame, index: pd.Index, cutoff: pd.Timestamp, horizon_days: int
) -> pd.Series:
    """1 when a prospect at `cutoff` made a first purchase within `horizon_days` after it."""
    dates = pd.to_datetime(sales["date"])
    window = (dates > cutoff) & (dates <= cutoff + pd.Timedelta(days=horizon_days))
    bought = set(sales.loc[window, "customer_id"])
    return pd.Series([1 if c in bought else 0 for c in index], index=index, name="converted", dtype=int)
