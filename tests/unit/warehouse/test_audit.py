"""The tamper-evident audit log on SQLite and PostgreSQL: ``python -m warehouse.audit verify`` passes an
intact chain and names the first altered, removed or reordered row; concurrent writers keep one chain."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from settings import ROOT
from warehouse import audit, users
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade
from warehouse.schema import ops_audit_log

T = ops_audit_log.c
START = dt.datetime(2026, 12, 5, 9, 0, 0, 123456)


def clock() -> dt.datetime:
    clock.tick += 1  # type: ignore[attr-defined]
    return START + dt.timedelta(seconds=clock.tick)  # type: ignore[attr-defined]


clock.tick = 0  # type: ignore[attr-defined]


def run_verify(url: str, tmp_path: Path) -> tuple[int, str]:
    """Run the CLI as an operator would; its output goes to a file."""
    out = tmp_path / "verify.log"
    with out.open("w", encoding="utf-8") as f:
        code = subprocess.run(
            [sys.executable, "-m", "warehouse.audit", "verify", "--url", url],
            cwd=ROOT,
            stdout=f,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        ).returncode
    return code, out.read_text(encoding="utf-8").strip()


@pytest.fixture
def logged(warehouse: Warehouse) -> Warehouse:
    """Five audit rows: logins, a profile view and an export (with a non-ASCII detail)."""
    warehouse.create_all()
    audit.record(warehouse, "manager", "login", "app_user", "from 10.0.0.7", now=clock)
    audit.record(
        warehouse, "manager", "customer.view_pii", "dim_customer:3", '{"fields":["email"]}', now=clock
    )
    audit.record(
        warehouse, "manager", "export.actions", "next-best-actions.csv", "Zoë · 12 rows", "127.0.0.1", clock
    )
    audit.record(warehouse, "analyst", "login_failed", "app_user", now=clock)
    audit.record(
        warehouse, "admin", "role.change", "app_user:7", '{"from":"analyst","to":"manager"}', now=clock
    )
    return warehouse


def test_an_intact_log_verifies_ok(logged: Warehouse, warehouse_url: str, tmp_path: Path) -> None:
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 0, said
    assert said.startswith("OK: 5 rows chained, head ")
    rows = logged.rows(sa.select(ops_audit_log).order_by(T.id))
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["row_hash"] for r in rows[:-1]]
    assert rows[2]["address"] == "127.0.0.1" and rows[2]["detail"] == "Zoë · 12 rows"


def test_an_altered_row_is_named(logged: Warehouse, warehouse_url: str, tmp_path: Path) -> None:
    third = logged.rows(sa.select(T.id).order_by(T.id))[2]["id"]
    with logged.begin() as conn:
        conn.execute(ops_audit_log.update().where(T.id == third).values(detail="Zoë · 1 row"))
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 1
    assert said == f"BAD: row {third}: was altered: its values no longer match its hash"


def test_a_removed_row_is_found_at_the_row_after_it(
    logged: Warehouse, warehouse_url: str, tmp_path: Path
) -> None:
    ids = [r["id"] for r in logged.rows(sa.select(T.id).order_by(T.id))]
    with logged.begin() as conn:
        conn.execute(ops_audit_log.delete().where(T.id == ids[2]))
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 1
    assert said.startswith(f"BAD: row {ids[3]}: does not follow row {ids[1]}")


def test_reordered_rows_are_found(logged: Warehouse, warehouse_url: str, tmp_path: Path) -> None:
    rows = logged.rows(sa.select(ops_audit_log).order_by(T.id))
    second, third = rows[1], rows[2]
    fields = ("at", "actor", "action", "object", "detail", "address", "prev_hash", "row_hash")
    with logged.begin() as conn:  # swap every value of two rows, hashes included
        conn.execute(ops_audit_log.update().where(T.id == second["id"]).values(prev_hash=None))
        conn.execute(
            ops_audit_log.update().where(T.id == third["id"]).values(**{f: second[f] for f in fields})
        )
        conn.execute(
            ops_audit_log.update().where(T.id == second["id"]).values(**{f: third[f] for f in fields})
        )
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 1
    assert said.startswith(f"BAD: row {second['id']}: does not follow row {rows[0]['id']}")


def test_a_row_whose_hash_was_removed_is_found(logged: Warehouse, warehouse_url: str, tmp_path: Path) -> None:
    second = logged.rows(sa.select(T.id).order_by(T.id))[1]["id"]
    with logged.begin() as conn:
        conn.execute(ops_audit_log.update().where(T.id == second).values(prev_hash=None, row_hash=None))
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 1 and said.startswith(f"BAD: row {second}: has no hash")


def test_two_threads_writing_at_once_leave_one_valid_chain(warehouse: Warehouse) -> None:
    warehouse.create_all()
    per_thread, errors = 25, []
    start = threading.Barrier(2)

    def write(actor: str) -> None:
        try:
            start.wait(timeout=30)
            for n in range(per_thread):
                audit.record(warehouse, actor, "export.actions", f"file-{n}.csv", json.dumps({"n": n}))
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    verdict = audit.verify(warehouse)
    assert verdict.ok, verdict.message()
    assert verdict.rows == 2 * per_thread
    actors = [r["actor"] for r in warehouse.rows(sa.select(T.actor))]
    assert sorted(set(actors)) == ["alice", "bob"] and len(actors) == 2 * per_thread


def test_logins_and_rows_written_outside_the_chain_are_chained(warehouse: Warehouse) -> None:
    warehouse.create_all()
    users.record_audit(warehouse, "manager", "login", "app_user", "from 127.0.0.1", now=clock)
    with warehouse.begin() as conn:  # as a writer that inserts directly (the deletion holds) does
        conn.execute(ops_audit_log.insert().values(at=clock(), actor="steward", action="deletions.approved"))
    assert audit.verify(warehouse).message().endswith("1 newest row(s) not chained yet")
    users.record_audit(warehouse, "manager", "logout", "app_user", now=clock)
    verdict = audit.verify(warehouse)
    assert verdict.ok and verdict.rows == 3 and verdict.unchained == 0


def test_upgrading_chains_the_rows_already_logged(
    warehouse: Warehouse, warehouse_url: str, tmp_path: Path
) -> None:
    upgrade(warehouse, "0007")
    with warehouse.begin() as conn:
        for n in range(3):
            conn.execute(
                sa.text(
                    "INSERT INTO ops_audit_log (at, actor, action, object) VALUES (:at, :a, 'login', 'app_user')"
                ),
                {"at": START + dt.timedelta(minutes=n), "a": f"user{n}"},
            )
    upgrade(warehouse)
    code, said = run_verify(warehouse_url, tmp_path)
    assert code == 0 and said.startswith("OK: 3 rows chained"), said
    audit.record(warehouse, "admin", "login", "app_user")
    assert audit.verify(warehouse).rows == 4
