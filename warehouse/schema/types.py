"""The shared metadata and column types of the warehouse schema."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def Money() -> sa.Numeric[float]:  # noqa: N802 - reads like a type in table definitions
    return sa.Numeric(14, 2, asdecimal=False)


# Home-currency units per unit of a document's currency (QuickBooks' ExchangeRate has up to 6+ decimals).
ExchangeRate = sa.Numeric(18, 8, asdecimal=False)


def Name(length: int = 200) -> sa.Unicode:  # noqa: N802
    return sa.Unicode(length)


# Long text is NVARCHAR(max) and times are DATETIME2 on SQL Server (NTEXT and DATETIME are legacy there).
LongText = sa.UnicodeText().with_variant(mssql.NVARCHAR(), "mssql")
Timestamp = sa.DateTime().with_variant(mssql.DATETIME2(), "mssql")  # type: ignore[no-untyped-call]
BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite only auto-increments INTEGER keys

SOURCE = sa.String(40)  # source name from the sources config, e.g. "quickbooks"
ENTITY = sa.String(40)  # entity within the source, e.g. "Invoice"
KEY = sa.String(200)  # the record's key in its source
