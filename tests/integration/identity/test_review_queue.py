"""The steward's review queue on a real demo warehouse: pairs in doubt are listed with both records, a
decision is kept, and the next run applies it (accepted: one customer; rejected: never one)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import fixed_clock, generate_demo
from warehouse.engine import Warehouse
from warehouse.identity_review import decide_review, pending_reviews
from warehouse.migrate import upgrade
from warehouse.schema import customer_xref, identity_review, ops_audit_log

DECIDED_AT = dt.datetime(2026, 11, 28, 9, 30)


def _key(wh: Warehouse, record_id: str) -> int:
    source, _, key = record_id.partition("|")
    with wh.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(customer_xref.c.customer_key).where(
                    (customer_xref.c.source == source) & (customer_xref.c.source_key == key)
                )
            ).scalar_one()
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    root = tmp_path_factory.mktemp("review")
    sources = generate_demo(root / "demo", 1000)
    wh = Warehouse.from_url(f"sqlite:///{root / 'warehouse.db'}")
    upgrade(wh)
    assert run_batch(wh, load_sources(sources), clock=fixed_clock).status == "succeeded"
    return wh, sources


def test_pending_pairs_come_with_both_records_and_their_customers(demo: tuple[Warehouse, Path]) -> None:
    wh, _ = demo
    pairs, total = pending_reviews(wh, limit=5)
    assert 0 < len(pairs) <= 5 and total >= len(pairs)
    assert [p.probability for p in pairs] == sorted((p.probability for p in pairs), reverse=True)
    for pair in pairs:
        assert pair.probability >= 0.9
        for record in (pair.left, pair.right):
            assert record.customer_key == _key(wh, record.record_id)
            assert any(record.values[f] for f in ("company_name", "display_name", "email", "phone"))
        assert pair.left.customer_key != pair.right.customer_key  # the matcher kept them apart


def test_decisions_are_kept_audited_and_applied_by_the_next_run(demo: tuple[Warehouse, Path]) -> None:
    wh, sources = demo
    pairs, total = pending_reviews(wh, limit=total_limit(wh))
    accept = pairs[0]
    customers = {accept.left.customer_key, accept.right.customer_key}
    # a pair of two other customers (a rejection is about these two records; the accepted merge must not join them)
    reject = next(p for p in reversed(pairs) if not {p.left.customer_key, p.right.customer_key} & customers)
    a, b = accept.left.record_id, accept.right.record_id
    assert decide_review(wh, a, b, "accepted", "data_steward", now=lambda: DECIDED_AT)
    assert not decide_review(
        wh, a, b, "rejected", "data_steward"
    )  # no longer pending: the first decision stands
    assert decide_review(wh, reject.left.record_id, reject.right.record_id, "rejected", "admin")
    with pytest.raises(ValueError, match="use one of"):
        decide_review(wh, reject.left.record_id, reject.right.record_id, "maybe", "admin")
    _, left_now = pending_reviews(wh, limit=1)
    assert left_now == total - 2
    with wh.engine.connect() as conn:
        row = conn.execute(
            sa.select(identity_review).where(
                (identity_review.c.record_l == a) & (identity_review.c.record_r == b)
            )
        ).one()
        audit = conn.execute(
            sa.select(ops_audit_log.c.actor, ops_audit_log.c.action, ops_audit_log.c.object)
        ).all()
    assert (row.status, row.decided_by, row.decided_at) == ("accepted", "data_steward", DECIDED_AT)
    assert ("data_steward", "identity_review.accepted", f"{a} / {b}") in audit

    assert run_batch(wh, load_sources(sources), clock=fixed_clock).status == "succeeded"
    assert _key(wh, a) == _key(wh, b)  # accepted: one customer now
    assert _key(wh, reject.left.record_id) != _key(wh, reject.right.record_id)
    with wh.engine.connect() as conn:
        statuses = dict(
            conn.execute(
                sa.select(
                    identity_review.c.record_l + " / " + identity_review.c.record_r, identity_review.c.status
                )
            ).all()
        )
    assert statuses[f"{a} / {b}"] == "accepted"  # decisions survive the run that applies them
    assert statuses[f"{reject.left.record_id} / {reject.right.record_id}"] == "rejected"


def total_limit(wh: Warehouse) -> int:
    return max(2, pending_reviews(wh, limit=1)[1])
