"""T-SQL DDL for SQL Server DBAs, compiled from the one schema.

``python -m warehouse.ddl`` rewrites ``warehouse/sql/sqlserver/schema.sql``; a test fails when the
checked-in file differs from what the schema compiles to, so the two never drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from warehouse.schema import metadata

SQLSERVER_DDL = Path(__file__).resolve().parent / "sql" / "sqlserver" / "schema.sql"

HEADER = """\
-- Customer 360 warehouse schema for Microsoft SQL Server.
-- Generated from warehouse/schema/ by `python -m warehouse.ddl`; do not edit by hand.
-- Production databases are upgraded with Alembic (`alembic upgrade head`); this file is for review
-- and for DBAs who create the schema themselves.
"""


def sqlserver_ddl() -> str:
    """Every table and index of the schema as T-SQL, in dependency order."""
    dialect = mssql.dialect()  # type: ignore[no-untyped-call]
    parts = [HEADER]
    for table in metadata.sorted_tables:
        parts.append(str(sa.schema.CreateTable(table).compile(dialect=dialect)).strip() + ";\nGO\n")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            parts.append(str(sa.schema.CreateIndex(index).compile(dialect=dialect)).strip() + ";\nGO\n")
    return "\n".join(parts)


def main() -> int:
    SQLSERVER_DDL.parent.mkdir(parents=True, exist_ok=True)
    SQLSERVER_DDL.write_text(sqlserver_ddl(), encoding="utf-8")
    sys.stdout.write(f"wrote {SQLSERVER_DDL}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
