"""The core step redoes only what a batch changed, and ends with the rows a full build gives.

A copy of the demo goes through batches that each change something: a customer's details, a new customer with
an invoice, a customer deleted at its source, a sales line added and one removed, a payment in a foreign
currency without a rate, two records that now match, a steward's override, an invoice deleted at its source
and, last, an erasure. After each batch every core table equals what building everything from the same
staging gives, and ``ops_core_change`` names every customer and day whose rows differ from the batch before.
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.identity.survivorship import build_vocabulary
from pipeline.runner import run_batch
from pipeline.steps.core import build_core
from pipeline.steps.golden import vocabulary
from pipeline.steps.relationships import build_relationships
from tests.integration.pipeline.conftest import FIXED_NOW, FirstBatch, copy_demo, fixed_clock
from warehouse.engine import Warehouse
from warehouse.overrides import set_override
from warehouse.policy import Viewer
from warehouse.privacy.erase import erase_subject
from warehouse.schema import (
    customer_relationship,
    customer_xref,
    dim_campaign,
    dim_channel,
    dim_customer,
    dim_date,
    dim_geography,
    dim_product,
    dim_sales_rep,
    fact_campaign_daily,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    golden_field,
    identity_event,
    ops_core_change,
    ops_step_run,
    ops_watermark,
    stg_customer,
    stg_reject,
)

CORE = (
    dim_customer, golden_field, fact_sales_line, fact_payment, fact_interaction, fact_campaign_daily,
    dim_product, dim_campaign, dim_sales_rep, dim_channel, dim_geography, dim_date,
)  # fmt: skip
Tables = dict[str, list[dict[str, Any]]]


def _core(conn: sa.Connection) -> Tables:
    """Every row of every core table, and the core's rejects, in a stable order."""
    tables = {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in CORE}
    rejects = sa.select(stg_reject).where(stg_reject.c.rule.in_(["unknown_customer", "unconverted_currency"]))
    tables["stg_reject"] = [dict(r) for r in conn.execute(rejects).mappings()]
    return {name: sorted(rows, key=lambda r: repr(sorted(r.items()))) for name, rows in tables.items()}


def _edit(root: Path, entity: str, change: Callable[[list[list[dict[str, Any]]]], None]) -> None:
    """Change the QuickBooks export pages of ``entity`` (each a list of records) and write them back."""
    files = sorted((root / "quickbooks" / entity).glob("page-*.json"))
    bodies = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    change([b["QueryResponse"][entity] for b in bodies])
    for file, body in zip(files, bodies, strict=True):
        file.write_text(json.dumps(body), encoding="utf-8")


def _items(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def _customers(pages: list[list[dict[str, Any]]]) -> None:
    """A customer's phone and name change, a new one arrives, one leaves."""
    edited, template, leaving = pages[0][0], copy.deepcopy(pages[0][1]), pages[0][2]
    edited["PrimaryPhone"] = {"FreeFormNumber": "07700 900123"}
    edited["CompanyName"] = edited["DisplayName"] = "Liverpool Bakery and Cafe"
    template.update(Id="99001", CompanyName="Brand New Widgets Ltd", DisplayName="Brand New Widgets Ltd")
    template["PrimaryEmailAddr"] = {"Address": "orders@brandnewwidgets.co.uk"}
    template["PrimaryPhone"] = {"FreeFormNumber": "07700 900456"}
    pages[-1].append(template)
    pages[0].remove(leaving)


def _invoices(pages: list[list[dict[str, Any]]]) -> None:
    """An invoice loses a line, another gains one, and the new customer has an invoice."""
    first = pages[0]
    longer = next(i for i in first if len(_items(i)) >= 2)
    gone = _items(longer)[-1]
    longer["Line"].remove(gone)
    longer["TotalAmt"] = round(longer["TotalAmt"] - gone["Amount"], 2)  # the books balance
    shorter = next(i for i in first if i is not longer)
    extra = copy.deepcopy(_items(shorter)[0])
    extra.update(Id="77", LineNum=77, Amount=12.5)
    shorter["Line"].insert(0, extra)
    shorter["TotalAmt"] = round(shorter["TotalAmt"] + 12.5, 2)
    new = copy.deepcopy(shorter)
    new.update(Id="99001", DocNumber="99001", CustomerRef={"name": "Brand New Widgets Ltd", "value": "99001"})
    first.append(new)


def _dollars(pages: list[list[dict[str, Any]]]) -> None:
    pages[0][0]["CurrencyRef"] = {"name": "US Dollar", "value": "USD"}


def _match(pages: list[list[dict[str, Any]]]) -> None:
    """One customer takes another's name, e-mail, phone and address: the two now match."""
    a, b = pages[0][5], pages[0][6]
    for field in ("CompanyName", "DisplayName", "PrimaryEmailAddr", "PrimaryPhone", "BillAddr"):
        if field in a:
            b[field] = copy.deepcopy(a[field])


def _call(root: Path) -> None:
    """One more call in the activity log: an interaction, and its account's customer record."""
    activities = root / "sheets" / "activities.csv"
    with activities.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows.append([*rows[1][:-1], "Called about a second delivery address"])
    with activities.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _drop_invoice(pages: list[list[dict[str, Any]]]) -> None:
    pages[0].pop(3)


def _batch(warehouse: Warehouse, sources: Path) -> int:
    outcome = run_batch(warehouse, load_sources(sources), clock=fixed_clock)
    assert outcome.status == "succeeded"
    assert outcome.batch_id is not None
    return outcome.batch_id


def _message(conn: sa.Connection, batch_id: int) -> str:
    s = ops_step_run.c
    return str(
        conn.execute(sa.select(s.message).where(s.batch_id == batch_id, s.step == "core")).scalar_one()
    )


def _differing(before: Tables, after: Tables, column: str) -> set[int]:
    """Values of ``column`` (a customer or a day) whose rows differ between two states of the core tables."""
    found: set[int] = set()
    for name in after:
        rows: dict[int, list[list[str]]] = {}
        for state, table in enumerate((before[name], after[name])):
            for r in table:
                if column in r and r[column] is not None:
                    rows.setdefault(r[column], [[], []])[state].append(repr(sorted(r.items())))
        found |= {key for key, (old, new) in rows.items() if sorted(old) != sorted(new)}
    return found


def _relationships(conn: sa.Connection) -> dict[tuple[int, int, str], tuple[float, str]]:
    rows = conn.execute(sa.select(customer_relationship))
    return {(r.customer_key_a, r.customer_key_b, r.kind): (r.strength, r.evidence) for r in rows}


def _redone(conn: sa.Connection, batch_id: int) -> str:
    """The relationships step's message: how it brought the relationships up to date."""
    s = ops_step_run.c
    query = sa.select(s.message).where(s.batch_id == batch_id, s.step == "relationships")
    return str(conn.execute(query).scalar_one())


def _check(warehouse: Warehouse, batch_id: int, before: Tables | None) -> Tables:
    """The batch's core tables equal a full build's; what changed since ``before`` is recorded."""
    with warehouse.engine.connect() as conn, conn.begin() as transaction:
        after = _core(conn)
        xref = [dict(r) for r in conn.execute(sa.select(customer_xref, stg_customer).join(
            stg_customer, (stg_customer.c.source == customer_xref.c.source)
            & (stg_customer.c.source_key == customer_xref.c.source_key))).mappings()]  # fmt: skip
        assert vocabulary(conn) == build_vocabulary(xref), "the vocabulary counted in SQL is the same"
        message = _message(conn, batch_id)
        related = _relationships(conn)
        conn.execute(ops_watermark.delete().where(ops_watermark.c.name.like("%relationships%")))
        assert build_relationships(conn, batch_id).message.startswith("built in full")
        assert related == _relationships(conn), (
            f"relationships differ from a full build after batch {batch_id}"
        )
        build_core(conn, batch_id, FIXED_NOW.date(), reuse=False)
        full = _core(conn)
        for name in after:
            assert after[name] == full[name], f"{name} differs from a full build after batch {batch_id}"
        transaction.rollback()
    if before is not None and not message.startswith("rebuilt in full"):
        with warehouse.engine.connect() as conn:
            c = ops_core_change.c
            recorded = {
                kind: set(
                    conn.execute(sa.select(c.key).where(c.batch_id == batch_id, c.kind == kind)).scalars()
                )
                for kind in ("customer", "day", "all")
            }
        assert not recorded["all"]
        assert _differing(before, after, "customer_key") <= recorded["customer"]
        assert _differing(before, after, "date_key") <= recorded["day"]
    return after


def test_each_batch_redoes_what_changed_and_ends_as_a_full_build(
    warehouse: Warehouse, demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    sources = copy_demo(demo_sources, tmp_path)
    root = sources.parent
    first_batch.copy_into(warehouse)
    first = 1
    tables = _check(warehouse, first, None)
    with warehouse.engine.connect() as conn:
        assert _message(conn, first) == "rebuilt in full: no earlier build to go on"

    _edit(root, "Customer", _customers)
    _edit(root, "Invoice", _invoices)
    _edit(root, "Payment", _dollars)
    second = _batch(warehouse, sources)
    with warehouse.engine.connect() as conn:
        message = _message(conn, second)
        rejects = conn.execute(sa.select(stg_reject.c.rule, stg_reject.c.record_key)).all()
    assert message.endswith("facts redone") and " customers and " in message, message
    with warehouse.engine.connect() as conn:
        assert "customers' values changed" in _redone(conn, second), "the relationships redo only changes"
    assert ("unconverted_currency", "1") in {(r, k) for r, k in rejects}, "the dollar payment is kept out"
    tables = _check(warehouse, second, tables)
    assert any(r["doc_key"] == "99001" for r in tables["fact_sales_line"]), "the new customer's invoice"

    _edit(root, "Customer", _match)
    _edit(root, "Invoice", _drop_invoice)
    _call(root)
    steward = Viewer("steward", "data_steward")
    with warehouse.engine.connect() as conn:
        someone = conn.execute(sa.select(sa.func.max(dim_customer.c.customer_key))).scalar_one()
    set_override(warehouse, steward, someone, "segment", "Wholesale", "confirmed by phone")
    before = tables
    third = _batch(warehouse, sources)
    with warehouse.engine.connect() as conn:
        assert _message(conn, third).endswith("facts redone")
        kinds = conn.execute(sa.select(identity_event.c.kind).where(identity_event.c.batch_id == third))
        assert "merge" in set(kinds.scalars()), "the two records that now match are one customer"
        assert "customers' values changed" in _redone(conn, third)
    tables = _check(warehouse, third, before)
    assert [
        r["value"] for r in tables["golden_field"] if r["customer_key"] == someone and r["field"] == "segment"
    ] == ["Wholesale"]

    erase_subject(warehouse, someone, "steward", "asked by letter")
    _call(root)  # the sources change too, so the batch runs (an erasure alone changes no input file)
    fourth = _batch(warehouse, sources)
    with warehouse.engine.connect() as conn:
        assert _message(conn, fourth) == "rebuilt in full: changed: erasures"
        assert _redone(conn, fourth).startswith("built in full"), "an erasure rewrote kept values in place"
    _check(warehouse, fourth, tables)
