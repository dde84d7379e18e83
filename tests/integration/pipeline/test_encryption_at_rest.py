"""After a demo batch, neither the SQLite file nor a PostgreSQL dump holds any e-mail address or phone number
in clear, while the portal still finds a customer by e-mail and shows it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from pipeline.steps.relationships import build_relationships
from tests.conftest import _pg_bin
from tests.integration.pipeline.conftest import FirstBatch
from warehouse.engine import Warehouse
from warehouse.profile import customer_profile
from warehouse.queries import search_customers
from warehouse.schema import (
    customer_relationship,
    customer_xref,
    dim_customer,
    mart_customer_kpi,
    stg_customer,
)


def _contact_values(warehouse: Warehouse) -> set[str]:
    """Every staged and golden e-mail and phone, read in clear through the schema."""
    values: set[str] = set()
    for table in (stg_customer, dim_customer):
        columns = [table.c.email, table.c.phone] + ([table.c.mobile] if table is stg_customer else [])
        for row in warehouse.rows(sa.select(*columns)):
            values |= {str(v).lower() for v in row.values() if v}
    return values


def _share_a_phone(conn: sa.Connection) -> None:
    """The staged record of one customer takes the phone of another customer's record."""
    x, s = customer_xref, stg_customer
    rows = conn.execute(
        sa.select(s.c.source, s.c.source_key, s.c.phone, x.c.customer_key)
        .join(x, (x.c.source == s.c.source) & (x.c.source_key == s.c.source_key))
        .where(s.c.phone.is_not(None))
    ).all()
    first = rows[0]
    other = next(r for r in rows if r.customer_key != first.customer_key)
    conn.execute(
        s.update()
        .where((s.c.source == other.source) & (s.c.source_key == other.source_key))
        .values(phone=first.phone)
    )


def _stored_bytes(warehouse: Warehouse, tmp_path: Path) -> bytes:
    """The database as it sits on disk: the SQLite file and its WAL, or a plain-SQL dump from pg_dump."""
    url = warehouse.engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    bindir = _pg_bin()
    assert bindir is not None
    out, log = tmp_path / "dump.sql", tmp_path / "pg_dump.log"
    with log.open("wb") as errors:
        subprocess.run(
            [
                str(bindir / "pg_dump"),
                "-h",
                str(url.host),
                "-p",
                str(url.port),
                "-U",
                "postgres",
                "-f",
                str(out),
            ]
            + [str(url.database)],
            check=True,
            stdout=errors,
            stderr=errors,
            timeout=300,
        )
    return out.read_bytes()


def test_no_email_or_phone_is_stored_in_clear(
    warehouse: Warehouse, first_batch: FirstBatch, tmp_path: Path
) -> None:
    first_batch.copy_into(warehouse)  # the demo's first batch, as a batch writes it
    with warehouse.begin() as conn:  # two customers share a phone: their relationship's evidence names it
        _share_a_phone(conn)
        build_relationships(conn, 1)  # the first batch again: in full
    shared = sa.select(sa.func.count()).where(customer_relationship.c.kind == "shared_phone")
    assert warehouse.scalar(shared) >= 1
    values = _contact_values(warehouse)
    emails = sorted(v for v in values if "@" in v)
    assert len(emails) >= 100 and sum(v.startswith("+") for v in values) >= 100

    stored = _stored_bytes(warehouse, tmp_path).decode("utf-8", errors="replace").lower()
    name = warehouse.scalar(sa.select(dim_customer.c.name).where(dim_customer.c.email.is_not(None)).limit(1))
    assert str(name).lower() in stored, "the stored data is there: names stay in clear"
    leaked = sorted(v for v in values if v in stored)
    assert leaked == [], f"{len(leaked)} e-mails or phones stored in clear, e.g. {leaked[:5]}"

    listed = sa.select(mart_customer_kpi.c.customer_key)
    unhashed = sa.select(sa.func.count()).where(
        dim_customer.c.email.is_not(None), dim_customer.c.email_hash.is_(None)
    )
    assert warehouse.scalar(unhashed) == 0, "every golden e-mail has its lookup hash"
    with_email = warehouse.rows(
        sa.select(dim_customer.c.customer_key, dim_customer.c.email).where(
            dim_customer.c.customer_key.in_(listed)
        )
    )
    key, email = next((r["customer_key"], r["email"]) for r in with_email if r["email"])
    rows, total = search_customers(warehouse, email.upper())
    assert total >= 1 and key in {r["customer_key"] for r in rows}
    profile = customer_profile(warehouse, key)
    assert profile is not None and email in repr(profile), "the profile shows the e-mail in clear"
