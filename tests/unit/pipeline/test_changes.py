"""What core changed, as the steps after it read it: changes since a step caught up, "everything" when it
never did or core rebuilt in full, and rows kept until the slowest step has applied them."""

from __future__ import annotations

import sqlalchemy as sa

from pipeline.changes import Changes, caught_up, changes_since, record_changes, record_everything
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import ops_core_change


def test_a_step_reads_what_changed_since_it_caught_up(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    with warehouse.begin() as conn:
        record_everything(conn, 1)
        assert changes_since(conn, "marts", 1) is None, "a step that never caught up rebuilds in full"
        caught_up(conn, "marts", 1)
        caught_up(conn, "analytics", 1)
        record_changes(conn, 2, [7, 8], [20261201])
        record_changes(conn, 2, [8, 9], [])  # core may record a batch's changes in parts
        assert changes_since(conn, "marts", 2) == Changes(frozenset({7, 8, 9}), frozenset({20261201}))
        caught_up(conn, "marts", 2)
        record_changes(conn, 3, [10], [20261202])
        assert changes_since(conn, "marts", 3) == Changes(frozenset({10}), frozenset({20261202}))
        assert changes_since(conn, "analytics", 3) == Changes(
            frozenset({7, 8, 9, 10}), frozenset({20261201, 20261202})
        ), "a step that fell behind reads every batch since"
        record_everything(conn, 4)
        assert changes_since(conn, "analytics", 4) is None, "a full rebuild in between means in full"
        caught_up(conn, "analytics", 4)
        record_changes(conn, 5, [], [])
        assert changes_since(conn, "analytics", 5) == Changes(frozenset(), frozenset()), (
            "core changed nothing"
        )
        assert changes_since(conn, "analytics", 6) is None, "core has not said what it changed in batch 6"


def test_rows_stay_until_every_step_has_applied_them(warehouse: Warehouse) -> None:
    upgrade(warehouse)
    with warehouse.begin() as conn:
        caught_up(conn, "marts", 1)
        caught_up(conn, "analytics", 1)
        record_changes(conn, 2, [7], [])
        record_changes(conn, 3, [8], [])
        caught_up(conn, "marts", 3)
        kept = conn.execute(sa.select(ops_core_change.c.batch_id).distinct()).scalars().all()
        assert sorted(kept) == [2, 3], "analytics has not applied batch 2 yet"
        caught_up(conn, "analytics", 3)
        kept = conn.execute(sa.select(ops_core_change.c.batch_id).distinct()).scalars().all()
        assert sorted(kept) == [3], "the last batch both applied stays on view"
