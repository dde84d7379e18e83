"""The clauses that find a person's rows compile for SQL Server too, which has no row-value IN."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from warehouse.privacy.subject import Subject, row_in, subject_clause
from warehouse.schema import land_record, stg_customer


def _sql(clause: sa.ColumnElement[bool]) -> str:
    return str(clause.compile(dialect=mssql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]


def test_pairs_become_one_term_per_source_and_entity() -> None:
    clause = row_in(
        (land_record.c.source, land_record.c.entity, land_record.c.source_key),
        [("quickbooks", "Invoice", "82"), ("quickbooks", "Invoice", "81"), ("sales_leads", "Lead", "L-1")],
    )
    assert _sql(clause) == (
        "land_record.source = 'quickbooks' AND land_record.entity = 'Invoice' AND land_record.source_key IN ('81', '82')"
        " OR land_record.source = 'sales_leads' AND land_record.entity = 'Lead' AND land_record.source_key IN ('L-1')"
    )


def test_a_person_with_records_is_found_in_staging_without_row_values() -> None:
    subject = Subject(28, records={("quickbooks", "26")}, landed={("quickbooks", "Customer", "26")})
    clause = subject_clause(stg_customer, subject)
    assert clause is not None
    assert "(stg_customer.source, " not in _sql(clause)
    assert subject_clause(stg_customer, Subject(29)) is None  # no source records: no staged rows of theirs
