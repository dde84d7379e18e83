"""Descriptive analytics over order lines: RFM scores and segments, cohort retention, distributions,
product affinity and period-over-period growth.

Input is one row per order line (or per order) with `customer_id, date, amount` and, where needed,
`order_id` and `product`; column names are parameters. Every function is pure and returns a frame
shaped like the mart it would feed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: RFM segments by recency score then frequency score (first match wins), the usual R-F grid.
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    (r"5[4-5]", "Champions"),
    (r"[3-4][4-5]", "Loyal"),
    (r"[4-5][2-3]", "Potential loyalist"),
    (r"51", "New"),
    (r"41", "Promising"),
    (r"33", "Need attention"),
    (r"3[1-2]", "About to sleep"),
    (r"[1-2]5", "Can't lose them"),
    (r"[1-2][3-4]", "At risk"),
    (r"[1-2][1-2]", "Hibernating"),
)


def _quintile(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1..5 by rank percentile (ties share the average rank, so equal values score equally)."""
    pct = values.rank(pct=True, method="average", ascending=higher_is_better)
    return pd.Series(np.ceil(pct * 5), index=pct.index).clip(1, 5).astype(int)


def segment_of(r_score: int, f_score: int) -> str:
    """The named segment of one (R, F) score pair under `SEGMENT_RULES`."""
    key = f"{r_score}{f_score}"
    for pattern, name in SEGMENT_RULES:
        if re.fullmatch(pattern, key):
            return name
    raise ValueError(f"RFM scores R={r_score} F={f_score} match no segment rule (scores must be 1..5)")


def rfm_scores(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    order_col: str | None = "order_id",
) -> pd.DataFrame:
    """Per customer: recency_days, frequency (orders), monetary (spend), R/F/M quintile scores 1-5 and segment.

    Only purchases on or before `as_of` count. Recency scores 5 for the most recent fifth. Frequency counts
    distinct `order_col` values (distinct purchase days when `order_col` is None or absent).
    """
    as_of = pd.Timestamp(as_of)
    dates = pd.to_datetime(transactions[date_col])
    tx = transactions.assign(_day=dates.dt.normalize())[dates <= as_of]
    key = order_col if order_col and order_col in tx.columns else "_day"
    g = tx.groupby(customer_col)
    out = pd.DataFrame(
        {
            "recency_days": (as_of - g["_day"].max()).dt.days,
            "frequency": g[key].nunique(),
            "monetary": g[amount_col].sum(),
        }
    )
    out["r_score"] = _quintile(out["recency_days"], higher_is_better=False)
    out["f_score"] = _quintile(out["frequency"])
    out["m_score"] = _quintile(out["monetary"])
    out["rfm"] = out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    grid = {(r, f): segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}  # 25 pairs, named once each
    out["segment"] = [grid[pair] for pair in zip(out["r_score"], out["f_score"], strict=True)]
    return out


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, mean recency/frequency and total spend per RFM segment, biggest spend first."""
    g = rfm.groupby("segment")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "recency_days": g["recency_days"].mean(),
            "frequency": g["frequency"].mean(),
            "monetary": g["monetary"].sum(),
        }
    )
    out["share"] = out["customers"] / out["customers"].sum()
    return out.sort_values("monetary", ascending=False)


def cohort_retention(
    transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "date"
) -> pd.DataFrame:
    """Monthly cohort retention: rows = month of first purchase, columns = months since (0, 1, ...).

    A cell is the share of the cohort that bought in that month (month 0 is 1.0); cells a cohort has not
    reached yet are NaN. `attrs["size"]` holds each cohort's number of customers.
    """
    dates = pd.to_datetime(transactions[date_col])
    month = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy("int64")  # months since year 0, whole numbers
    tx = pd.DataFrame({"customer": transactions[customer_col].to_numpy(), "month": month})
    tx["cohort"] = tx.groupby("customer")["month"].transform("min")
    tx["age"] = tx["month"] - tx["cohort"]
    active = tx.drop_duplicates(["customer", "age"]).groupby(["cohort", "age"]).size().unstack(fill_value=0)
    size = active[0]
    matrix = active.div(size, axis=0)
    reached = (tx["month"].max() - matrix.index.to_numpy())[:, None] >= matrix.columns.to_numpy()[None, :]
    matrix = matrix.where(reached)
    cohorts = matrix.index.to_numpy()
    matrix.index = pd.DatetimeIndex(
        pd.to_datetime(pd.DataFrame({"year": cohorts // 12, "month": cohorts % 12 + 1, "day": 1}))
    )
    matrix.index.name, matrix.columns.name = "cohort", "months_since_first"
    matrix.attrs["size"] = size.set_axis(matrix.index).to_dict()
    return matrix


def distribution(values: pd.Series, bins: Sequence[float]) -> pd.DataFrame:
    """Counts and shares of integer `values` in bins [b_i, b_i+1), labelled "3-4"; the last is open ("20+")."""
    edges = [*bins, np.inf]
    cut = pd.cut(values, edges, right=False)
    counts = cut.value_counts(sort=False)
    labels = [
        f"{lo:g}+" if not np.isfinite(hi) else (f"{lo:g}" if hi - lo == 1 else f"{lo:g}-{hi - 1:g}")
        for lo, hi in zip(edges, edges[1:], strict=False)
    ]
    out = pd.DataFrame({"bin": labels, "customers": counts.to_numpy()})
    out["share"] = out["customers"] / max(int(out["customers"].sum()), 1)
    return out


def frequency_distribution(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers by number of orders (1, 2, 3-4, 5-9, 10-19, 20+)."""
    return distribution(rfm["frequency"], [1, 2, 3, 5, 10, 20])


def recency_distribution(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers by days since their last purchase (0-29, 30-59, 60-89, 90-179, 180-364, 365+)."""
    return distribution(rfm["recency_days"], [0, 30, 60, 90, 180, 365])


def product_affinity(
    lines: pd.DataFrame,
    *,
    order_col: str = "order_id",
    product_col: str = "product",
    min_orders: int = 5,
) -> pd.DataFrame:
    """Pairs of products bought in the same order: support, confidence both ways and lift.

    support = P(A and B) over orders; confidence_a_b = P(B | A); lift = P(A and B) / (P(A) P(B)).
    Pairs bought together in fewer than `min_orders` orders are left out. Sorted by lift, then support, then
    the pair.
    """
    from scipy import sparse

    pairs = lines[[order_col, product_col]].drop_duplicates()
    # Hashed, not sorted (np.unique sorts a million Python strings); products sorted, so a pair reads (a, b), a < b.
    order_idx, orders = pd.factorize(pairs[order_col])
    product_idx, names = pd.factorize(pairs[product_col].astype(str), sort=True)
    products = np.asarray(names)
    basket = sparse.csr_matrix(
        (np.ones(len(pairs)), (order_idx, product_idx)), shape=(len(orders), len(products))
    )
    both = sparse.triu(basket.T @ basket, k=1).tocoo()
    keep = both.data >= min_orders
    a, b, n_ab = both.row[keep], both.col[keep], both.data[keep]
    n = float(len(orders))
    n_item = np.asarray(basket.sum(axis=0)).ravel()
    out = pd.DataFrame(
        {
            "product_a": products[a],
            "product_b": products[b],
            "orders": n_ab.astype(int),
            "support": n_ab / n,
            "confidence_a_b": n_ab / n_item[a],
            "confidence_b_a": n_ab / n_item[b],
            "lift": n_ab * n / (n_item[a] * n_item[b]),
        }
    )
    return out.sort_values(
        ["lift", "support", "product_a", "product_b"], ascending=[False, False, True, True], ignore_index=True
    )  # ties in a fixed order


def _windows(as_of: pd.Timestamp) -> dict[str, tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    """(current start, current end, previous start, previous end) per comparison, ends inclusive."""
    day = pd.Timedelta(days=1)
    week_start = as_of - pd.Timedelta(days=as_of.weekday())
    month_start = as_of.replace(day=1)
    prev_month_start = month_start - pd.offsets.MonthBegin(1)
    prev_month_end = min(prev_month_start + (as_of - month_start), month_start - day)
    year_start = as_of.replace(month=1, day=1)
    prev_year_end = as_of - pd.DateOffset(years=1)  # 29 Feb maps to 28 Feb
    return {
        "DoD": (as_of, as_of, as_of - day, as_of - day),
        "DLW": (as_of, as_of, as_of - 7 * day, as_of - 7 * day),  # the same weekday a week earlier
        "WoW": (week_start, as_of, week_start - 7 * day, as_of - 7 * day),
        "MoM": (month_start, as_of, prev_month_start, prev_month_end),
        "YoY": (year_start, as_of, year_start - pd.DateOffset(years=1), prev_year_end),
    }


def growth(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """Day-, week-, month- and year-over-year growth of revenue, orders, new and active customers.

    `DLW` compares the day with the same weekday a week earlier, which a weekly pattern does not distort
    (a Saturday against a Friday, in DoD, mostly measures the weekend). Same elapsed period: each current period runs to `as_of` inclusive (the day; the week from Monday;
    the month from the 1st; the year from 1 January) and is compared with the previous period cut at the
    same point — Monday..Wednesday vs last Monday..Wednesday; 1-15 Nov vs 1-15 Oct; 1 Jan-15 Nov vs the same
    dates a year earlier. A previous month shorter than the elapsed days is taken whole (31 Mar vs all of
    Feb). New customers made their first purchase ever in the window; active customers bought in it.
    """
    as_of = pd.Timestamp(as_of).normalize()
    dates = pd.to_datetime(transactions[date_col]).dt.normalize()
    first = dates.groupby(transactions[customer_col]).transform("min")
    rows = []
    for name, (cs, ce, ps, pe) in _windows(as_of).items():
        for label, lo, hi in (("current", cs, ce), ("previous", ps, pe)):
            inside = (dates >= lo) & (dates <= hi)
            tx = transactions[inside]
            rows.append(
                {
                    "comparison": name,
                    "which": label,
                    "start": lo,
                    "end": hi,
                    "revenue": float(tx[amount_col].sum()),
                    "orders": int(tx[order_col].nunique()),
                    "new_customers": int(tx.loc[first[inside] >= lo, customer_col].nunique()),
                    "active_customers": int(tx[customer_col].nunique()),
                }
            )
    wide = pd.DataFrame(rows)
    metrics = ["revenue", "orders", "new_customers", "active_customers"]
    long = wide.melt(["comparison", "which", "start", "end"], metrics, var_name="metric")
    cur = long[long["which"] == "current"].drop(columns="which").set_index(["comparison", "metric"])
    prev = long[long["which"] == "previous"].drop(columns="which").set_index(["comparison", "metric"])
    out = cur.rename(columns={"start": "current_start", "end": "current_end", "value": "current"}).join(
        prev.rename(columns={"start": "previous_start", "end": "previous_end", "value": "previous"})
    )
    out["change"] = out["current"] - out["previous"]
    out["change_pct"] = 100.0 * out["change"] / out["previous"].where(out["previous"] != 0)
    return out.reset_index()
