"""Customer text search: the one clause the portal and the API filter customers by, served by a text index.

A term matches a customer whose name or city contains it (any case), or, for viewers who see personal
data, whose e-mail is the whole term (through its keyed hash, e-mails being encrypted at rest). The
clause is ``customer_key IN (<keys whose text matches> UNION <keys whose e-mail matches>)``, so each
backend answers it from an index instead of testing every customer:

- SQLite: the FTS5 table ``customer_search`` (trigram tokenizer) over ``mart_customer_kpi``'s name and
  city, kept in step by triggers; a term is looked up as one phrase of trigrams, which is a substring
  match. Terms shorter than a trigram fall back to ``LIKE`` (a scan). SQLite's planner cannot tell
  how many customers a term matches, so :func:`search_plan` counts its matches among a sample of
  customers and picks how a page is read: a rare term's matches are read and sorted; a common term's
  page walks the sort index and stops after one page (see ``search_plan`` for the two ways it checks).
- PostgreSQL: ``pg_trgm`` GIN indexes on name and city serve the same ``ILIKE '%term%'``.
- SQL Server and any other dialect: ``LIKE '%term%'`` (a scan; a full-text index is not built).

The index itself is :mod:`warehouse.schema.text_index` (migration 0023).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from warehouse.engine import Warehouse
from warehouse.schema.core import dim_customer
from warehouse.schema.encrypted import hash_matches
from warehouse.schema.marts import mart_customer_kpi
from warehouse.schema.text_index import FTS_TABLE, TEXT_FIELDS

logger = logging.getLogger(__name__)

#: Fewer characters than this make no trigram: such a term is matched by a scan.
MIN_INDEXED_CHARS: Final = 3
#: How a page of matches is read on SQLite (:func:`search_plan`).
SearchPlan = Literal["keys", "walk", "probe"]
#: Customers (the lowest keys) whose matches estimate how common a term is.
SAMPLE_CUSTOMERS: Final = 20_000
#: From this share of customers matching on, a page walks the sort order, looking matches up in their set
#: (measured at a million customers: below ~0.15 %, reading and sorting the matches is quicker).
WALK_SHARE: Final = 0.0015
#: From this share on, a page walks the sort order asking the text index about each customer.
PROBE_SHARE: Final = 0.15
#: How long a term's plan is reused before it is counted again (it only steers speed, never the matches).
PLAN_SECONDS: Final = 300.0
#: Terms remembered per warehouse; the oldest are forgotten first.
PLAN_TERMS: Final = 4096


class _TextKeys(sa.ColumnElement[bool]):
    """One of two expressions, by the dialect it is compiled for: ``indexed`` on SQLite (the text index),
    ``scanned`` elsewhere (``pg_trgm`` serves its ``ILIKE`` on PostgreSQL)."""

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


def _fts_has(term: str, fields: Sequence[str], key: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """``key``'s name or city contains ``term``: one index probe by rowid."""
    phrase = "{" + " ".join(fields) + '} : "' + term.replace('"', '""') + '"'
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(fts)
        .where(
            sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam(None, phrase, type_=sa.String)),
            fts.c.rowid == key,
        )
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
    term: str, fields: Sequence[str], key: sa.ColumnElement[Any] | None = None, plan: SearchPlan = "keys"
) -> sa.ColumnElement[bool]:
    """Customers (``key``, the customers mart's by default) whose ``fields`` match ``term``.

    ``fields`` are those the viewer may search (``warehouse.policy.searchable_fields``): ``name`` and
    ``city`` match a part of the term, ``email`` only the whole address. An empty term matches everyone.
    ``plan`` (from :func:`search_plan`) says how SQLite reads a page; the customers matched are the same.
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
    scan = key.in_(_union(scanned + email))
    if not text or len(term) < MIN_INDEXED_CHARS:
        return _TextKeys(scan, scan)
    if plan == "probe":
        probe = _fts_has(term, text, key)
        return _TextKeys(sa.or_(probe, key.in_(_union(email))) if email else probe, scan)
    keys = _union([_fts_keys(term, text), *email])
    if plan == "walk":  # ``key + 0`` is no index: the page's sort index leads, the key set is looked up
        return _TextKeys((key + 0).in_(keys), scan)
    return _TextKeys(key.in_(keys), scan)


def match_count_query(term: str, fields: Sequence[str], otherwise: sa.Select[Any]) -> sa.Select[Any]:
    """How many customers match ``term``, for a viewer of every customer: on SQLite the text index's
    matches (each a customer) and the e-mail match counted without reading the customers; elsewhere,
    or for a term too short for the index, ``otherwise`` (a count over the customers)."""
    term = term.strip()
    text = [f for f in fields if f in TEXT_FIELDS]
    if not text or len(term) < MIN_INDEXED_CHARS:
        return otherwise
    keys: list[sa.Select[Any]] = [_fts_keys(term, text)]
    if "email" in fields:
        mart = mart_customer_kpi.c.customer_key
        keys.append(_email_keys(term).where(dim_customer.c.customer_key.in_(sa.select(mart))))
    indexed = sa.select(sa.func.count()).select_from(_union(keys).subquery())
    return sa.select(_TextKeys(indexed.scalar_subquery(), otherwise.scalar_subquery()).label("matches"))


def sample_end_query() -> sa.Select[Any]:
    """The ``SAMPLE_CUSTOMERS``-th smallest customer key: the end of the sample :func:`density_query` reads."""
    k = mart_customer_kpi.c.customer_key
    return sa.select(k).order_by(k).limit(1).offset(SAMPLE_CUSTOMERS - 1)


def density_query(term: str, fields: Sequence[str], end: int) -> sa.Select[Any] | None:
    """How many of the customers keyed up to ``end`` the index matches for ``term``, counting at most
    ``PROBE_SHARE`` of them; ``None`` when the index is not asked (a short term, or no text field)."""
    term = term.strip()
    text = [f for f in fields if f in TEXT_FIELDS]
    if not text or len(term) < MIN_INDEXED_CHARS:
        return None
    keys = _fts_keys(term, text)
    sample = keys.where(keys.selected_columns[0] <= end).limit(int(SAMPLE_CUSTOMERS * PROBE_SHARE))
    return sa.select(sa.func.count()).select_from(sample.subquery())


def search_plan(warehouse: Warehouse, term: str, fields: Sequence[str]) -> SearchPlan:
    """How SQLite should read a page of customers matching ``term``, from the share of a sample of customers
    it matches (SQLite's planner cannot tell); elsewhere ``keys``, the planner choosing from its statistics.

    ``keys``: read the matches, then sort them (a rare term). ``walk``: read the page's sort index and
    look each customer up in the set of matches (a term matching ``WALK_SHARE`` or more). ``probe``: read
    the sort index and ask the text index about each customer (``PROBE_SHARE`` or more: a page fills
    after a few dozen customers, cheaper than building the set of matches).
    A term's plan is counted once per ``PLAN_SECONDS`` per warehouse (:class:`PlanMemo`).
    """
    if warehouse.engine.dialect.name != "sqlite":
        return "keys"
    return PLANS.plan(warehouse, term, fields)


def count_plan(warehouse: Warehouse, term: str, fields: Sequence[str]) -> SearchPlan:
    """The plan of :func:`search_plan`, counted afresh in the sample of customers (two statements)."""
    end = warehouse.scalar(sample_end_query())
    query = None if end is None else density_query(term, fields, int(end))
    if query is None:  # fewer customers than the sample, or no text to look up: any plan is quick
        return "keys"
    share = int(warehouse.scalar(query) or 0) / SAMPLE_CUSTOMERS
    if share >= PROBE_SHARE:
        return "probe"
    return "walk" if share >= WALK_SHARE else "keys"


class PlanMemo:
    """Plans of recent terms per warehouse engine, each reused for ``seconds``: a search then costs one
    statement (its page) instead of three. A stale plan reads the same customers, at worst more slowly."""

    def __init__(
        self,
        seconds: float = PLAN_SECONDS,
        terms: int = PLAN_TERMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds, self.terms, self.clock = seconds, terms, clock
        self._plans: weakref.WeakKeyDictionary[
            Any, dict[tuple[str, tuple[str, ...]], tuple[float, SearchPlan]]
        ]
        self._plans = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def plan(self, warehouse: Warehouse, term: str, fields: Sequence[str]) -> SearchPlan:
        """The remembered plan of ``term`` in ``warehouse``, counted (:func:`count_plan`) when unknown or old."""
        key, now = (term.strip(), tuple(fields)), self.clock()
        with self._lock:
            known = self._plans.setdefault(warehouse.engine, {}).get(key)
        if known is not None and now - known[0] < self.seconds:
            return known[1]
        plan = count_plan(warehouse, term, fields)
        with self._lock:
            plans = self._plans.setdefault(warehouse.engine, {})
            plans.pop(key, None)
            plans[key] = (now, plan)
            while len(plans) > self.terms:
                del plans[next(iter(plans))]
        return plan

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()


#: The process's memo of search plans.
PLANS = PlanMemo()


def _union(selects: list[sa.Select[Any]]) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    return selects[0] if len(selects) == 1 else sa.union(*selects)


__all__ = [
    "MIN_INDEXED_CHARS",
    "PROBE_SHARE",
    "SAMPLE_CUSTOMERS",
    "WALK_SHARE",
    "PLANS",
    "PlanMemo",
    "SearchPlan",
    "count_plan",
    "customer_text_matches",
    "density_query",
    "match_count_query",
    "sample_end_query",
    "search_plan",
]
