"""Indexes that let the portal's paged reads stop after one page instead of sorting a whole table.

The customers list offers a sort on every column, NULLs last, ties by ``customer_key``: each NOT NULL
column gets an index per direction. A nullable column is ordered by ``CASE WHEN col IS NULL THEN 1 ELSE 0
END`` first (:func:`warehouse.queries.nulls_last`); SQLite and PostgreSQL index that expression, SQL Server
cannot (it would need a persisted computed column), so those indexes are created on the first two only,
by :func:`create_expression_indexes` (also called by migration 0019). The review queue reads pending pairs
by probability in either direction from two indexes on ``identity_review``.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import sqlalchemy as sa

from warehouse.schema.core import identity_review
from warehouse.schema.marts import mart_customer_kpi, mart_customer_score
from warehouse.schema.text_index import FTS_TABLE, text_index_names

logger = logging.getLogger(__name__)

#: Customer sort columns that are never NULL: plain (column, key) indexes, one per direction.
PLAIN_SORTS: Final = ("name", "orders", "revenue_total", "revenue_365d", "is_active")
#: Nullable customer sort columns: ordered NULLs last through an expression index.
NULLABLE_SORTS: Final = ("city", "region", "segment", "rep", "last_purchase", "recency_days")
EXPRESSION_DIALECTS: Final = frozenset({"sqlite", "postgresql"})
#: The Actions page's prospects: highest lead score first, unscored last (``action_queries.prospects_query``).
PROSPECTS_INDEX: Final = "ix_mcs_lead_score_desc"
PROSPECTS_STATEMENT: Final = (
    f"CREATE INDEX IF NOT EXISTS {PROSPECTS_INDEX} ON mart_customer_score "
    "((CASE WHEN lead_score IS NULL THEN 1 ELSE 0 END), lead_score DESC, customer_key)"
)

_kpi = mart_customer_kpi.c
PLAIN_INDEXES: Final = tuple(
    sa.Index(f"ix_mck_{name}_{suffix}", column, _kpi.customer_key)
    for name in PLAIN_SORTS
    for suffix, column in (("asc", _kpi[name]), ("desc", _kpi[name].desc()))
)
REVIEW_INDEXES: Final = (
    sa.Index(
        "ix_identity_review_queue_asc",
        identity_review.c.status,
        identity_review.c.match_probability,
        identity_review.c.record_l,
        identity_review.c.record_r,
    ),
    sa.Index(
        "ix_identity_review_queue_desc",
        identity_review.c.status,
        identity_review.c.match_probability.desc(),
        identity_review.c.record_l,
        identity_review.c.record_r,
    ),
)


def expression_index_statements() -> list[str]:
    """``CREATE INDEX`` statements of the NULLs-last sort indexes (SQLite and PostgreSQL syntax)."""
    out = []
    for name in NULLABLE_SORTS:
        flag = f"(CASE WHEN {name} IS NULL THEN 1 ELSE 0 END)"
        for suffix, direction in (("asc", ""), ("desc", " DESC")):
            out.append(
                f"CREATE INDEX IF NOT EXISTS ix_mck_{name}_{suffix} "
                f"ON mart_customer_kpi ({flag}, {name}{direction}, customer_key)"
            )
    return out


def expression_index_names() -> list[str]:
    return [f"ix_mck_{name}_{suffix}" for name in NULLABLE_SORTS for suffix in ("asc", "desc")] + [
        PROSPECTS_INDEX
    ]


def outside_metadata(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """An Alembic ``include_object`` hook: False for the expression indexes and the customer text index
    (``warehouse.schema.text_index``), which the metadata leaves out."""
    if type_ == "index" and name in (*expression_index_names(), *text_index_names()):
        return False
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def create_expression_indexes(conn: sa.Connection) -> None:
    """Create the NULLs-last sort indexes on a dialect that indexes expressions; elsewhere nothing."""
    if conn.dialect.name not in EXPRESSION_DIALECTS:
        logger.info(
            "no expression indexes on %s: nullable customer sorts are sorted per query", conn.dialect.name
        )
        return
    for statement in expression_index_statements():
        conn.execute(sa.text(statement))


def _after_create(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
    create_expression_indexes(connection)


def _after_scores(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
    if connection.dialect.name in EXPRESSION_DIALECTS:
        connection.execute(sa.text(PROSPECTS_STATEMENT))


sa.event.listen(mart_customer_kpi, "after_create", _after_create)
sa.event.listen(mart_customer_score, "after_create", _after_scores)
