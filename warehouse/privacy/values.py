"""The identifying values held about a person, and which of them other customers share."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.privacy.pseudonym import IDENTIFYING_FIELDS, PSEUDONYM_COLUMNS, identifying_strings
from warehouse.privacy.subject import Subject, row_in, subject_clause
from warehouse.schema import dim_customer, golden_field, land_record, stg_customer, stg_deletion

logger = logging.getLogger(__name__)

#: Columns of golden and staged rows that hold a value worth sweeping for elsewhere.
VALUE_COLUMNS = PSEUDONYM_COLUMNS | {"email", "phone", "mobile", "postcode", "website", "ship_address"}


def identifying_values(conn: Connection, subject: Subject, every_table: list[sa.Table]) -> set[str]:
    """Every identifying value held about the person: golden and staged columns, raw payload fields."""
    values: set[str] = set()
    for table in every_table:
        columns = [c for c in table.columns if c.name in VALUE_COLUMNS]
        clause = subject_clause(table, subject)
        if clause is None or table.name == land_record.name:
            continue
        if table.name == golden_field.name:
            query = sa.select(golden_field.c.value).where(
                clause, golden_field.c.field.in_(IDENTIFYING_FIELDS)
            )
            values |= {v for v in conn.execute(query).scalars() if v}
        elif table.name == stg_deletion.name:
            for staged in conn.execute(sa.select(stg_deletion.c.staged_rows).where(clause)).scalars():
                for row in (r for rs in json.loads(staged or "{}").values() for r in rs):
                    values |= {str(v) for k, v in row.items() if k in VALUE_COLUMNS and v}
        elif columns:
            for row in conn.execute(sa.select(*columns).where(clause)):
                values |= {str(v) for v in row if v}
    for payload in landed_payloads(conn, subject):
        values |= identifying_strings(json.loads(payload))
    return values


def shared_values(conn: Connection, subject: Subject, values: set[str]) -> set[str]:
    """The values other golden customers hold too (a shared switchboard): rewritten in the person's rows only."""
    lowered = {v.lower() for v in values}
    shared: set[str] = set()
    for table in (dim_customer, stg_customer):
        columns = [c for c in table.columns if c.name in VALUE_COLUMNS]
        query = sa.select(*columns)
        if table is dim_customer:
            query = query.where(dim_customer.c.customer_key != subject.customer_key)
        elif subject.records:
            query = query.where(~row_in((stg_customer.c.source, stg_customer.c.source_key), subject.records))
        for row in conn.execute(query):
            shared |= {str(v).lower() for v in row if v and str(v).lower() in lowered}
    return {v for v in values if v.lower() in shared}


def landed_payloads(conn: Connection, subject: Subject) -> Iterable[str]:
    for triples in _chunks(sorted(subject.landed)):
        query = sa.select(land_record.c.payload).where(
            row_in((land_record.c.source, land_record.c.entity, land_record.c.source_key), triples)
        )
        yield from conn.execute(query).scalars()


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
