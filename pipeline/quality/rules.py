"""Data-quality rules per dataset, measured after every batch: completeness, validity, uniqueness, freshness and
consistency.

A rule is data: a name, the dataset it watches, its kind, a threshold and a query measuring one number. Each
measurement is kept per batch (``dq_rule_result``), so the quality page shows the trend; a failing rule opens a
stewardship item (:mod:`pipeline.quality.stewardship`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    dim_customer,
    fact_sales_line,
    land_record,
    mart_kpi_daily,
    stg_field_flag,
    stg_reject,
)

COMPLETENESS, VALIDITY, UNIQUENESS, FRESHNESS, CONSISTENCY = (
    "completeness",
    "validity",
    "uniqueness",
    "freshness",
    "consistency",
)


@dataclass(frozen=True)
class Measurement:
    value: float | None  # None: nothing to measure this batch
    detail: str


@dataclass(frozen=True)
class Rule:
    name: str
    dataset: str
    kind: str
    threshold: float
    at_most: bool  # True: the value must not exceed the threshold; False: it must reach it
    describe: str
    measure: Callable[[Connection, int, dt.date], Measurement]

    def passes(self, value: float | None) -> bool:
        if value is None:
            return True
        return value <= self.threshold if self.at_most else value >= self.threshold


def _share(part: int, whole: int, what: str) -> Measurement:
    if whole == 0:
        return Measurement(None, f"no {what} to measure")
    return Measurement(part / whole, f"{part:,} of {whole:,} {what}")


def _count(conn: Connection, query: sa.Select[Any]) -> int:
    return int(conn.execute(query).scalar_one() or 0)


def _contactable(conn: Connection, _batch: int, _today: dt.date) -> Measurement:
    customers = (
        sa.select(sa.func.count())
        .select_from(dim_customer)
        .where(dim_customer.c.is_customer & (dim_customer.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY))
    )
    reachable = customers.where(dim_customer.c.email.is_not(None) | dim_customer.c.phone.is_not(None))
    return _share(_count(conn, reachable), _count(conn, customers), "customers with an e-mail or phone")


def _sales_identified(conn: Connection, _batch: int, _today: dt.date) -> Measurement:
    lines = sa.select(sa.func.count()).select_from(fact_sales_line)
    known = lines.where(fact_sales_line.c.customer_key != UNIDENTIFIED_CUSTOMER_KEY)
    return _share(_count(conn, known), _count(conn, lines), "sales lines with a known customer")


def _landed(conn: Connection, batch: int) -> int:
    return _count(
        conn, sa.select(sa.func.count()).select_from(land_record).where(land_record.c.batch_id == batch)
    )


def _rejected(conn: Connection, batch: int, _today: dt.date) -> Measurement:
    rejects = sa.select(sa.func.count()).select_from(stg_reject).where(stg_reject.c.batch_id == batch)
    return _share(_count(conn, rejects), _landed(conn, batch), "records landed this batch quarantined")


def _flagged(conn: Connection, batch: int, _today: dt.date) -> Measurement:
    flags = sa.select(sa.func.count()).select_from(stg_field_flag).where(stg_field_flag.c.batch_id == batch)
    return _share(_count(conn, flags), _landed(conn, batch), "field flags per record landed this batch")


def _duplicate_emails(conn: Connection, _batch: int, _today: dt.date) -> Measurement:
    email = dim_customer.c.email_hash  # the keyed hash of the case-folded address (e-mails are encrypted)
    present = sa.select(sa.func.count()).select_from(dim_customer).where(dim_customer.c.email.is_not(None))
    shared = (
        sa.select(email.label("email"), sa.func.count().label("n"))
        .where(dim_customer.c.email.is_not(None))
        .group_by(email)
        .having(sa.func.count() > 1)
        .subquery()
    )
    duplicated = sa.select(sa.func.coalesce(sa.func.sum(shared.c.n), 0))
    return _share(_count(conn, duplicated), _count(conn, present), "golden records sharing an e-mail")


def _sales_age(conn: Connection, _batch: int, today: dt.date) -> Measurement:
    latest = conn.execute(sa.select(sa.func.max(fact_sales_line.c.date_key))).scalar_one()
    if latest is None:
        return Measurement(None, "no sales yet")
    day = dt.datetime.strptime(str(latest), "%Y%m%d").date()
    return Measurement(float((today - day).days), f"latest sale on {day:%d %b %Y}")


def _revenue_reconciles(conn: Connection, _batch: int, _today: dt.date) -> Measurement:
    facts = float(
        conn.execute(sa.select(sa.func.coalesce(sa.func.sum(fact_sales_line.c.amount), 0))).scalar_one()
    )
    mart = float(
        conn.execute(sa.select(sa.func.coalesce(sa.func.sum(mart_kpi_daily.c.revenue), 0))).scalar_one()
    )
    return Measurement(round(abs(facts - mart), 2), f"sales lines {facts:,.2f}, daily KPI mart {mart:,.2f}")


RULES: Final[tuple[Rule, ...]] = (
    Rule("customers_contactable", "dim_customer", COMPLETENESS, 0.80, False,
         "customers with an e-mail or phone", _contactable),
    Rule("sales_customer_known", "fact_sales_line", COMPLETENESS, 0.95, False,
         "sales lines whose customer is identified", _sales_identified),
    Rule("records_valid", "stg_reject", VALIDITY, 0.05, True,
         "share of the batch's landed records quarantined", _rejected),
    Rule("fields_valid", "stg_field_flag", VALIDITY, 0.10, True,
         "field flags per landed record in the batch", _flagged),
    Rule("customer_emails_unique", "dim_customer", UNIQUENESS, 0.01, True,
         "share of golden records sharing an e-mail with another", _duplicate_emails),
    Rule("sales_fresh", "fact_sales_line", FRESHNESS, 3.0, True,
         "days since the latest sale", _sales_age),
    Rule("revenue_reconciles", "mart_kpi_daily", CONSISTENCY, 0.01, True,
         "difference between sales lines and the daily KPI mart", _revenue_reconciles),
)  # fmt: skip


@dataclass(frozen=True)
class Result:
    rule: Rule
    value: float | None
    passed: bool
    detail: str


def evaluate(
    conn: Connection, batch_id: int, today: dt.date, rules: tuple[Rule, ...] = RULES
) -> list[Result]:
    """Measure every rule against the warehouse as the batch left it."""
    results = []
    for rule in rules:
        measured = rule.measure(conn, batch_id, today)
        results.append(Result(rule, measured.value, rule.passes(measured.value), measured.detail))
    return results
