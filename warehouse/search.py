"""Customer text search: the one clause the portal and the API filter customers by, served by a text index.

A term matches a customer whose name or city contains it (any case), or, for viewers who see personal
data, whose e-mail is the whole term (through its keyed hash, e-mails being encrypted at rest). The
clause is ``customer_key IN (<keys whose text matches> UNION <keys whose e-mail matches>)``, so each
backend answers it from an index instead of testing every customer:

- SQLite: the FTS5 table ``customer_search`` (trigram tokenizer) over ``mart_customer_kpi``'s name and
  city, kept in step by triggers; a term is looked up as one phrase of trigrams, which is a substring
  match. Terms shorter than a trigram fall back to ``LIKE`` (a scan).
- PostgreSQL: ``pg_trgm`` GIN indexes on name and city serve the same ``ILIKE '%term%'``.
- SQL Server and any other dialect: ``LIKE '%term%'`` (a scan; a full-text index is not built).

The index itself is :mod:`warehouse.schema.text_index` (migration 0023).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from warehouse.schema.core import dim_customer
from warehouse.schema.encrypted import hash_matches
from warehouse.schema.marts import mart_customer_kpi
from warehouse.schema.text_index import FTS_TABLE, TEXT_FIELDS

logger = logging.getLogger(__name__)

#: Fewer characters than this make no trigram: such a term is matched by a scan.
MIN_INDEXED_CHARS: Final = 3


class _TextKeys(sa.ColumnElement[bool]):
    """``customer_key IN (...)`` with the key set built for the dialect it is compiled for."""

    inherit_cache = True
    type = sa.types.NullType()  # type: ignore[assignment]  # rendered as it is, not as "... = 1"
    _traverse_internals = [
        ("indexed", InternalTraversal.dp_clauseelement),
        ("scanned", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, indexed: sa.ColumnElement[bool], scanned: sa.ColumnElement[bool]) -> None:
        self.indexed = indexed
        self.scanned = scanned


@compiles(_TextKeys)
def _compile_scanned(element: _TextKeys, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.scanned, **kw))


@compiles(_TextKeys, "sqlite")
def _compile_indexed(element: _TextKeys, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.indexed, **kw))


def _fts_keys(term: str, fields: Sequence[str]) -> sa.Select[Any]:
    """Keys whose ``fields`` contain ``term``: one FTS5 phrase of its trigrams (a substring, any case)."""
    phrase = "{" + " ".join(fields) + '} : "' + term.replace('"', '""') + '"'
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    return sa.select(fts.c.rowid).where(
        sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam(None, phrase, type_=sa.String))
    )


def _like_keys(term: str, fields: Sequence[str]) -> sa.Select[Any]:
    """Keys whose ``fields`` contain ``term`` (``ILIKE``: served by ``pg_trgm`` on PostgreSQL)."""
    m = mart_customer_kpi.alias("mck_text")
    return sa.select(m.c.customer_key).where(
        sa.or_(*(m.c[f].icontains(term, autoescape=True) for f in fields))
    )


def _email_keys(term: str) -> sa.Select[Any]:
    return sa.select(dim_customer.c.customer_key).where(
        hash_matches(dim_customer.c.email_hash, "email", term)
    )


def customer_text_matches(
    term: str, fields: Sequence[str], key: sa.ColumnElement[Any] | None = None
) -> sa.ColumnElement[bool]:
    """Customers (``key``, the customers mart's by default) whose ``fields`` match ``term``.

    ``fields`` are those the viewer may search (``warehouse.policy.searchable_fields``): ``name`` and
    ``city`` match a part of the term, ``email`` only the whole address. An empty term matches everyone.
    """
    term = term.strip()
    if not term:
        return sa.true()
    key = mart_customer_kpi.c.customer_key if key is None else key
    text = [f for f in fields if f in TEXT_FIELDS]
    email = [_email_keys(term)] if "email" in fields else []
    scanned = [_like_keys(term, text)] if text else []
    if not scanned and not email:
        return sa.false()
    indexed = [_fts_keys(term, text)] if text and len(term) >= MIN_INDEXED_CHARS else scanned
    return _TextKeys(key.in_(_union(indexed + email)), key.in_(_union(scanned + email)))


def _union(selects: list[sa.Select[Any]]) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    return selects[0] if len(selects) == 1 else sa.union(*selects)


__all__ = ["MIN_INDEXED_CHARS", "customer_text_matches"]
