"""RFM scores and segments, cohort retention, distributions, product affinity and same-elapsed-period growth."""

from __future__ import annotations

import pandas as pd
import pytest

from models.descriptive import (
    cohort_retention,
    frequency_distribution,
    growth,
    product_affinity,
    rfm_scores,
    segment_of,
)


def _tx(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "order_id"])


def test_rfm_quintiles_and_named_segments() -> None:
    rows = []
    for i in range(10):  # customer i bought i+1 times, last purchase i days before as_of
        for k in range(i + 1):
            rows.append(
                (f"c{i}", str(pd.Timestamp("2026-06-30") - pd.Timedelta(days=i + 10 * k)), 10.0, 100 * i + k)
            )
    rfm = rfm_scores(_tx(rows), "2026-06-30")
    assert rfm.loc["c0", "recency_days"] == 0 and rfm.loc["c9", "frequency"] == 10
    assert rfm.loc["c0", "r_score"] == 5 and rfm.loc["c9", "r_score"] == 1
    assert rfm.loc["c9", "f_score"] == 5 and rfm.loc["c9", "m_score"] == 5
    assert sorted(rfm["r_score"].value_counts()) == [2, 2, 2, 2, 2]
    assert rfm.loc["c9", "segment"] == "Can't lose them" and rfm.loc["c0", "segment"] == "New"
    assert (
        segment_of(5, 5) == "Champions"
        and segment_of(1, 1) == "Hibernating"
        and segment_of(2, 3) == "At risk"
    )
    with pytest.raises(ValueError, match="R=6"):
        segment_of(6, 1)


def test_cohort_retention_matrix() -> None:
    tx = _tx(
        [
            ("a", "2026-01-05", 1, 1), ("a", "2026-02-03", 1, 2), ("a", "2026-03-09", 1, 3),
            ("b", "2026-01-20", 1, 4), ("b", "2026-03-01", 1, 5),
            ("c", "2026-02-11", 1, 6), ("c", "2026-02-20", 1, 7),
        ]
    )  # fmt: skip
    m = cohort_retention(tx)
    jan, feb = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")
    assert m.loc[jan].tolist() == [1.0, 0.5, 1.0]
    assert m.loc[feb, 0] == 1.0 and m.loc[feb, 1] == 0.0 and pd.isna(m.loc[feb, 2])
    assert m.attrs["size"] == {jan: 2, feb: 1}


def test_cohort_months_count_across_the_new_year() -> None:
    tx = _tx([("a", "2025-11-30", 1, 1), ("a", "2026-01-02", 1, 2), ("b", "2025-12-31", 1, 3)])
    m = cohort_retention(tx)
    nov, dec = pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")
    assert m.index.tolist() == [nov, dec]
    assert m.loc[nov].to_dict() == {0: 1.0, 2: 1.0}  # November's customer came back two months later
    assert m.loc[dec, 0] == 1.0 and pd.isna(m.loc[dec, 2])  # January is the last month: December's reached 1


def test_frequency_distribution_bins() -> None:
    rfm = pd.DataFrame({"frequency": [1, 1, 2, 3, 4, 7, 25]})
    dist = frequency_distribution(rfm)
    assert dist["bin"].tolist() == ["1", "2", "3-4", "5-9", "10-19", "20+"]
    assert dist["customers"].tolist() == [2, 1, 2, 1, 0, 1]


def test_product_affinity_support_confidence_lift() -> None:
    lines = pd.DataFrame(
        {"order_id": [1, 1, 2, 2, 3, 4], "product": ["pens", "paper", "pens", "paper", "pens", "gloves"]}
    )
    pair = product_affinity(lines, min_orders=1).set_index(["product_a", "product_b"]).loc[("paper", "pens")]
    assert pair["support"] == pytest.approx(2 / 4)
    assert pair["confidence_a_b"] == pytest.approx(1.0)  # every order with paper has pens
    assert pair["confidence_b_a"] == pytest.approx(2 / 3)
    assert pair["lift"] == pytest.approx((2 / 4) / ((2 / 4) * (3 / 4)))


def test_growth_compares_same_elapsed_period() -> None:
    days = pd.date_range("2025-01-01", "2026-03-31", freq="D")
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{d.day}" for d in days],
            "date": days,
            "amount": 1.0,
            "order_id": range(len(days)),
        }
    )
    g = growth(tx, "2026-03-31").set_index(["comparison", "metric"])  # a Tuesday
    wow = g.loc[("WoW", "revenue")]
    assert (wow["current_start"], wow["previous_end"]) == (
        pd.Timestamp("2026-03-30"),
        pd.Timestamp("2026-03-24"),
    )
    assert wow["current"] == wow["previous"] == 2
    mom = g.loc[("MoM", "orders")]  # 31 March vs the whole of February
    assert mom["previous_end"] == pd.Timestamp("2026-02-28") and (mom["current"], mom["previous"]) == (31, 28)
    yoy = g.loc[("YoY", "revenue")]
    assert yoy["previous_end"] == pd.Timestamp("2025-03-31") and yoy["change_pct"] == 0.0
    assert g.loc[("DoD", "active_customers"), "current"] == 1
    same_day = g.loc[("DLW", "revenue")]  # Tuesday 31 March vs Tuesday 24 March
    assert (same_day["current_start"], same_day["previous_start"]) == (
        pd.Timestamp("2026-03-31"),
        pd.Timestamp("2026-03-24"),
    )
    assert g.loc[("YoY", "new_customers"), "current"] == 0  # every c1..c31 first bought in January 2025
