"""Upsell / cross-sell propensity: the chance a customer buys a product category they have not bought
before within the next `horizon` days.

One row per (customer, category not yet bought) at a cut-off. Features: the customer's purchase history
(orders, spend, recency, tenure, categories bought, recent orders), the category (one-hot), how common
the category is among customers of the same segment ("uptake", the baseline's score), and its lift
from the categories the customer already buys (co-purchase across customers). Label: bought the category
in (cut-off, cut-off + horizon]. The classifier is the churn model's calibrated xgboost.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

UNASSIGNED = "Unassigned"


def candidate_pairs(sales: pd.DataFrame, customers: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Upsell features for every (customer with a purchase by `cutoff`, category they have not bought).

    `sales` needs customer_id, date, amount and category; `customers` customer_id and segment. Indexed
    by (customer_id, category), sorted.
    """
    tx = sales[(sales["date"] <= cutoff) & sales["category"].notna()]
    categories = sorted(sales["category"].dropna().unique())
    if tx.empty or not categories:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["customer_id", "category"]))
    bought = (
        tx.groupby(["customer_id", "category"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=categories, fill_value=0)
        > 0
    )
    g = tx.groupby("customer_id")
    history = pd.DataFrame(
        {
            "orders": g["date"].nunique().astype(float),
            "spend": g["amount"].sum().astype(float),
            "recency_days": (cutoff - g["date"].max()).dt.days.astype(float),
            "tenure_days": (cutoff - g["date"].min()).dt.days.astype(float),
            "categories_bought": bought.sum(axis=1).astype(float),
            "orders_last_90d": tx[tx["date"] > cutoff - pd.Timedelta(days=90)]
            .groupby("customer_id")["date"]
            .nunique()
            .reindex(bought.index, fill_value=0)
            .astype(float),
        }
    )
    history = history.reindex(bought.index)
    segment = customers.set_index("customer_id")["segment"].reindex(bought.index).fillna(UNASSIGNED)
    uptake = bought.groupby(segment).mean()  # share of the segment's buyers who bought each category
    lift = _category_lift(bought)
    rows, cols = np.nonzero(~bought.to_numpy(dtype=bool))
    pairs = pd.MultiIndex.from_arrays(
        [bought.index.to_numpy()[rows], np.array(categories, dtype=object)[cols]],
        names=["customer_id", "category"],
    )
    x = history.iloc[rows].set_index(pairs)
    x["segment_uptake"] = uptake.reindex(segment.iloc[rows]).to_numpy()[np.arange(len(rows)), cols]
    owned = bought.to_numpy(dtype=float)[rows]
    lifts = lift.reindex(index=categories, columns=categories).to_numpy()
    x["max_lift"] = np.max(np.where(owned > 0, lifts[:, cols].T, 0.0), axis=1) if len(rows) else []
    category = pairs.get_level_values(1)
    for name in categories:
        x[f"category_{name}"] = (category == name).astype(float)
    return x.sort_index().astype(float)


def _category_lift(bought: pd.DataFrame) -> pd.DataFrame:
    """Lift between categories over customers: P(a and b) / (P(a) P(b)); 0 where undefined."""
    m = bought.to_numpy(dtype=float)
    n = max(len(m), 1)
    both = m.T @ m / n
    p = m.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(np.outer(p, p) > 0, both / np.outer(p, p), 0.0)
    np.fill_diagonal(lift, 0.0)
    return pd.DataFrame(lift, index=bought.columns, columns=bought.columns)


def upsell_label(sales: pd.DataFrame, pairs: pd.Index, cutoff: pd.Timestamp, horizon_days: int) -> pd.Series:
    """1 where the customer bought the category in (cutoff, cutoff + horizon_days], else 0."""
    after = sales[(sales["date"] > cutoff) & (sales["date"] <= cutoff + pd.Timedelta(days=horizon_days))]
    hits = pd.MultiIndex.from_frame(after[["customer_id", "category"]].dropna().drop_duplicates())
    return pd.Series(pairs.isin(hits).astype(int), index=pairs, name="upsell")


def best_offer(proba: pd.Series) -> pd.DataFrame:
    """Per customer: the category with the highest propensity and that propensity."""
    if proba.empty:
        return pd.DataFrame(columns=["upsell_category", "upsell_propensity"])
    frame = (
        proba.rename("p")
        .reset_index()
        .sort_values(["customer_id", "p", "category"], ascending=[True, False, True])
    )
    best = frame.drop_duplicates("customer_id").set_index("customer_id")
    return pd.DataFrame({"upsell_category": best["category"], "upsell_propensity": best["p"].astype(float)})


def best_sellers(sales: pd.DataFrame, customers: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(segment, category) -> the product with most revenue there (the product an offer leads with)."""
    segment = customers.set_index("customer_id")["segment"].fillna(UNASSIGNED)
    tx = sales.dropna(subset=["category", "product"]).assign(segment=lambda f: f["customer_id"].map(segment))
    tx = tx.fillna({"segment": UNASSIGNED})
    revenue = tx.groupby(["segment", "category", "product"])["amount"].sum().reset_index()
    top = revenue.sort_values(
        ["segment", "category", "amount", "product"], ascending=[True, True, False, True]
    )
    top = top.drop_duplicates(["segment", "category"])
    return {
        (str(s), str(c)): str(p)
        for s, c, p in zip(top["segment"], top["category"], top["product"], strict=True)
    }
