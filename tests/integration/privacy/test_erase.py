"""Erasure: after it, no table, file or log holds the person's identifying values, invoices stay, and later
batches do not bring the person back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from pipeline.events import log as event_log
from tests.integration.pipeline.conftest import ROOT
from tests.integration.privacy.conftest import Person, build, pick_person, scan_files, scan_tables
from warehouse.engine import Warehouse
from warehouse.privacy import erase_subject, opted_out, pseudonym


def _money(warehouse: Warehouse, key: int) -> dict[str, tuple[int, float]]:
    """Rows and total per legal-obligation fact for one golden key."""
    with warehouse.engine.connect() as conn:
        return {
            table: tuple(
                conn.execute(
                    sa.text(
                        f"SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM {table} WHERE customer_key = :k"
                    ),
                    {"k": key},
                ).one()
            )
            for table in ("fact_sales_line", "fact_payment")
        }


def _golden(warehouse: Warehouse, key: int) -> dict[str, object]:
    with warehouse.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM dim_customer WHERE customer_key = :k"), {"k": key}).one()
    return dict(row._mapping)


def _event_log(warehouse: Warehouse, person: Person) -> None:
    """A support contact in the interaction log whose text names the person (and its timeline projection)."""
    text = f"mail from {sorted(person.values)[0]} re {max(person.values)}"
    event = {
        "event_id": f"support-{person.customer_key}", "type": "support_contact", "schema_version": 1,
        "occurred_at": "2026-11-27T10:00:00Z", "customer_key": person.customer_key, "source_key": None,
        "channel": "email", "payload": {"topic": text[:200]},
    }  # fmt: skip
    assert event_log.append(warehouse, [event], "api") == 1


def _assert_gone(warehouse: Warehouse, person: Person, var_dir: Path) -> None:
    assert scan_tables(warehouse, person.values) == {}
    assert scan_files(var_dir, person.values) == {}


def test_erasure_leaves_no_identifying_value_and_keeps_the_invoices(
    built: Warehouse, demo_copy: Path, var_dir: Path
) -> None:
    person = pick_person(built, demo_copy)
    assert len(person.values) >= 5 and scan_tables(built, person.values), "the person is there to begin with"
    money = _money(built, person.customer_key)
    assert money["fact_sales_line"][0] > 0 and money["fact_payment"][0] > 0
    cache = var_dir / "cache" / "directory.json"  # a file the platform wrote that mentions them
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"seen": sorted(person.values)}), encoding="utf-8")
    _event_log(built, person)

    report = erase_subject(built, person.customer_key, "steward", "asked by e-mail", var_dir=var_dir)

    _assert_gone(built, person, var_dir)
    assert cache.exists() and pseudonym(person.customer_key) in cache.read_text(encoding="utf-8")
    assert report.files == (f"rewrote {cache}",), "model files hold no one's details and are kept"
    assert _money(built, person.customer_key) == money
    assert report.kept == {t: n for t, (n, _) in money.items()}
    golden = _golden(built, person.customer_key)
    assert golden["name"] == pseudonym(person.customer_key) and golden["email"] is None
    assert report.suppressed >= len(person.records) - 1
    assert person.customer_key in opted_out(built, "marketing_email")
    with built.engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT actor, action, object FROM ops_audit_log")).all()
        request = conn.execute(sa.text("SELECT kind, status FROM privacy_request")).all()
    assert [tuple(a) for a in audit] == [("steward", "privacy_erasure", f"customer:{person.customer_key}")]
    assert [tuple(r) for r in request] == [("erasure", "completed")]


def test_batches_after_erasure_do_not_bring_the_person_back(
    built: Warehouse, demo_copy: Path, var_dir: Path
) -> None:
    person = pick_person(built, demo_copy)
    money = _money(built, person.customer_key)
    done = subprocess.run(  # through the command line, as a data steward does it (it holds the pipeline lock)
        [sys.executable, "-m", "warehouse.privacy", "erase", str(person.customer_key), "--by", "steward"]
        + ["--reason", "erasure request"],
        cwd=ROOT,
        env={**os.environ, "C360_DATABASE_URL": built.engine.url.render_as_string(hide_password=False)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pseudonym"] == pseudonym(person.customer_key)
    with built.engine.connect() as conn:
        landed = conn.execute(sa.text("SELECT COUNT(*) FROM land_record")).scalar()

    assert build(built, demo_copy, force=True) == "succeeded"  # the sources still hold the person
    with built.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM land_record")).scalar() == landed, (
            "nothing re-landed"
        )
    _assert_gone(built, person, var_dir)
    assert _money(built, person.customer_key) == money
    assert _golden(built, person.customer_key)["name"] == pseudonym(person.customer_key)

    # The source changes the person's record: the new version lands, pseudonymised.
    page = demo_copy.parent / "quickbooks" / "Customer" / "page-00001.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    keys = {k for s, e, k in person.records if (s, e) == ("quickbooks", "Customer")}
    for customer in data["QueryResponse"]["Customer"]:
        if customer["Id"] in keys:
            customer["SyncToken"] = str(int(customer["SyncToken"]) + 1)
            customer["Notes"] = f"called {customer['DisplayName']} again"
    page.write_text(json.dumps(data), encoding="utf-8")
    assert build(built, demo_copy) == "succeeded"
    with built.engine.connect() as conn:
        new = conn.execute(sa.text("SELECT COUNT(*) FROM land_record")).scalar()
    assert new == landed + len(keys)
    _assert_gone(built, person, var_dir)
    assert _money(built, person.customer_key) == money
