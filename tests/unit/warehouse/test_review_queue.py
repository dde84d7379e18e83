"""The steward's queue: paged, filtered and ordered by uncertainty from an index, decisions audited."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from warehouse.engine import Warehouse, insert_rows
from warehouse.identity_review import (
    ReviewFilter,
    decide_reviews,
    pending_count,
    pending_page,
    pending_query,
    review_sources,
)
from warehouse.schema import customer_xref, identity_review, ops_audit_log, stg_customer

SOURCES = ("quickbooks", "sales_leads", "instagram")
AT = dt.datetime(2026, 12, 5, 9, 0)


def _pairs(n: int) -> list[dict[str, object]]:
    rng = random.Random(15)
    rows = []
    for i in range(n):
        left, right = SOURCES[i % 3], SOURCES[(i + 1) % 3]
        rule = i % 4 == 0
        probability = 1.0 if rule else round(rng.uniform(0.95, 1.0), 4)
        rows.append(
            {
                "record_l": f"{left}|L{i:04d}",
                "record_r": f"{right}|R{i:04d}",
                "match_probability": probability,
                "match_key": "rule:email" if rule else str(i % 7),
                "status": "pending" if i % 10 else "rejected",  # every tenth already decided
                "batch_id": 1,
            }
        )
    return rows


@pytest.fixture
def queue(tmp_path: Path) -> tuple[Warehouse, list[dict[str, object]]]:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    warehouse.create_all()
    pairs = _pairs(120)
    staged, xref = [], []
    for n, pair in enumerate(pairs):
        for side in ("record_l", "record_r"):
            source, _, key = str(pair[side]).partition("|")
            staged.append({"source": source, "source_key": key, "entity": "Customer", "company_name": f"Firm {n}",
                           "land_id": len(staged) + 1, "batch_id": 1})  # fmt: skip
            xref.append({"source": source, "source_key": key, "customer_key": len(xref) + 1, "match_rule": "new",
                         "batch_id": 1})  # fmt: skip
    with warehouse.begin() as conn:
        insert_rows(conn, stg_customer, staged)
        insert_rows(conn, customer_xref, xref)
        insert_rows(conn, identity_review, pairs)
    return warehouse, pairs


def _expected(pairs: list[dict[str, object]], where: ReviewFilter) -> list[tuple[str, str]]:
    """The queue's order and filters, computed in Python from the rows."""
    from warehouse.identity_review import SCORE_BANDS

    chosen = []
    for p in pairs:
        prob, key = float(p["match_probability"]), str(p["match_key"])  # type: ignore[arg-type]
        if p["status"] != "pending":
            continue
        if where.source and not any(
            str(p[s]).startswith(where.source + "|") for s in ("record_l", "record_r")
        ):
            continue
        if where.band:
            low, high = SCORE_BANDS[where.band]
            if (low is not None and prob < low) or (high is not None and prob >= high):
                continue
        if where.kind and (key.startswith("rule:") != (where.kind == "rule")):
            continue
        chosen.append(p)
    sign = 1 if where.order == "uncertain" else -1
    chosen.sort(key=lambda p: (sign * float(p["match_probability"]), p["record_l"], p["record_r"]))  # type: ignore[arg-type]
    return [(str(p["record_l"]), str(p["record_r"])) for p in chosen]


FILTERS = [
    ReviewFilter(),
    ReviewFilter(order="likely"),
    ReviewFilter(source="instagram"),
    ReviewFilter(band="certain", kind="rule"),
    ReviewFilter(band="doubtful", order="likely"),
    ReviewFilter(kind="scored", source="quickbooks", band="likely"),
]


@pytest.mark.parametrize("where", FILTERS, ids=repr)
def test_pages_walk_the_whole_filtered_queue_in_order_without_overlap(queue, where: ReviewFilter) -> None:
    warehouse, pairs = queue
    expected = _expected(pairs, where)
    seen: list[tuple[str, str]] = []
    for page in range(20):
        got = pending_page(warehouse, where, page, 10)
        seen += [(p.left.record_id, p.right.record_id) for p in got]
        if len(got) < 10:
            break
    assert seen == expected and len(expected) > 0
    assert pending_count(warehouse, where) == len(expected)


def test_the_most_uncertain_pair_comes_first_with_both_records(queue) -> None:
    warehouse, pairs = queue
    first = pending_page(warehouse, ReviewFilter(), 0, 3)
    lowest = min(float(p["match_probability"]) for p in pairs if p["status"] == "pending")  # type: ignore[arg-type]
    assert first[0].probability == lowest
    assert first[0].left.values["company_name"] == first[0].right.values["company_name"]
    assert (
        first[0].left.customer_key is not None and first[0].left.customer_key != first[0].right.customer_key
    )


def test_filters_refuse_values_they_do_not_know() -> None:
    with pytest.raises(ValueError, match="score band"):
        ReviewFilter(band="maybe")
    with pytest.raises(ValueError, match="order"):
        ReviewFilter(order="random")


@pytest.mark.parametrize("order", ["uncertain", "likely"])
def test_a_queue_page_is_read_from_an_index_not_a_sort_of_every_pending_pair(queue, order: str) -> None:
    warehouse, _ = queue
    statement = pending_query(25, ReviewFilter(order=order, source="quickbooks"), 50)
    sql = str(statement.compile(warehouse.engine, compile_kwargs={"literal_binds": True}))
    with warehouse.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "USING INDEX ix_identity_review_queue" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_bulk_decision_decides_each_pending_pair_once_and_audits_each(queue) -> None:
    warehouse, _ = queue
    page = pending_page(warehouse, ReviewFilter(band="certain", kind="rule"), 0, 5)
    keys = [(p.left.record_id, p.right.record_id) for p in page]
    assert decide_reviews(warehouse, keys, "accepted", "data_steward", now=lambda: AT) == 5
    assert decide_reviews(warehouse, keys, "accepted", "data_steward", now=lambda: AT) == 0  # already decided
    with warehouse.engine.connect() as conn:
        audited = conn.execute(
            sa.select(ops_audit_log.c.object).where(ops_audit_log.c.action == "identity_review.accepted")
        ).scalars()
        assert sorted(audited) == sorted(f"{a} / {b}" for a, b in keys)
    remaining = pending_page(warehouse, ReviewFilter(band="certain", kind="rule"), 0, 100)
    assert not {(p.left.record_id, p.right.record_id) for p in remaining} & set(keys)


def test_the_source_filter_offers_the_staged_sources(queue) -> None:
    warehouse, _ = queue
    assert review_sources(warehouse) == sorted(SOURCES)
