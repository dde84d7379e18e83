"""What the core step remembers of its last build, in ``core:`` watermarks, to redo only what changed since.

``core:batch`` is the batch it last built in; ``core:inputs`` a digest of every input that can change rows
a batch's changed records do not lead to (the rep name mapping, payment method names, the home currency, the
sources' book currencies, reps' scoped writes, completed erasures, this module's rules); ``core:staged`` the
stage step's watermark of each source at that build (rows staged since have a higher ``land_id``);
``core:overrides`` a digest of each customer's steward overrides; ``core:ties`` the words that broke each
customer's survivorship ties, with their counts (``pipeline.steps.golden``); ``core:dropped`` how many
products and campaigns that build dropped (their facts change in the build after). ``pipeline.recovery``
drops them all when a batch is abandoned, and the next build is then a full one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.api_writes import scoped_writers
from pipeline.money import home_currency
from pipeline.ops import get_watermark, set_watermark
from pipeline.steps.facts import books_in_warehouse
from pipeline.steps.golden import Ties
from warehouse.overrides import overrides
from warehouse.schema import (
    ops_watermark,
    privacy_request,
    stg_payment,
    stg_payment_method,
    stg_sales_line,
)

#: Raised when what a build writes changes meaning, so every warehouse rebuilds in full once.
RULES_VERSION = "1"
BATCH, INPUTS, STAGED, OVERRIDES, TIES, DROPPED = (
    "core:batch", "core:inputs", "core:staged", "core:overrides", "core:ties", "core:dropped",
)  # fmt: skip


@dataclass(frozen=True)
class CoreState:
    """The core step's memory of its last build (``inputs``: name -> digest of each global input)."""

    batch: int
    inputs: dict[str, str]
    staged: dict[str, int]
    overrides: dict[int, str]
    ties: Ties
    dropped: int


def load(conn: Connection) -> CoreState | None:
    """The last build's state, or None when there is none to build on."""
    batch = get_watermark(conn, BATCH)
    if not batch:
        return None
    return CoreState(
        batch=int(batch),
        inputs=json.loads(get_watermark(conn, INPUTS, "{}")),
        staged={s: int(v) for s, v in json.loads(get_watermark(conn, STAGED, "{}")).items()},
        overrides={int(k): v for k, v in json.loads(get_watermark(conn, OVERRIDES, "{}")).items()},
        ties={int(k): v for k, v in json.loads(get_watermark(conn, TIES, "{}")).items()},
        dropped=int(get_watermark(conn, DROPPED, "0")),
    )


def save(conn: Connection, batch_id: int, state: CoreState) -> None:
    """Remember ``state`` as the build of ``batch_id``."""
    values = {
        BATCH: str(batch_id),
        INPUTS: _dump(state.inputs),
        STAGED: _dump(state.staged),
        OVERRIDES: _dump({str(k): v for k, v in sorted(state.overrides.items())}),
        TIES: _dump({str(k): v for k, v in sorted(state.ties.items())}),
        DROPPED: str(state.dropped),
    }
    for name, value in values.items():
        set_watermark(conn, name, value, batch_id)


def global_inputs(
    conn: Connection, rep_names: dict[str, str]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A digest of each input that can change any customer's or fact's rows (``rep_names``: ``canonical_reps``),
    and the sources keeping their books in another currency, per staging table (``books_in_warehouse``)."""
    home = home_currency()
    books = {t.name: books_in_warehouse(conn, t, home) for t in (stg_sales_line, stg_payment)}
    erasures = sa.select(
        privacy_request.c.request_id, privacy_request.c.status, privacy_request.c.completed_at
    ).where(privacy_request.c.kind == "erasure")
    methods = sa.select(
        stg_payment_method.c.source, stg_payment_method.c.source_key, stg_payment_method.c.name
    )
    parts: dict[str, Any] = {
        "rules": RULES_VERSION,
        "home currency": home,
        "rep names": sorted(rep_names.items()),
        "payment methods": sorted(tuple(r) for r in conn.execute(methods)),
        "book currencies": sorted((t, sorted(b.items())) for t, b in books.items()),
        "scoped writes": sorted(scoped_writers(conn).items()),
        "erasures": sorted((r[0], r[1], str(r[2])) for r in conn.execute(erasures)),
    }
    return {name: _digest(value) for name, value in parts.items()}, books


def override_digests(conn: Connection) -> dict[int, str]:
    """Customer key -> a digest of what its overrides put in its golden row."""
    return {
        key: _digest(sorted((f, o["value"], o["set_by"]) for f, o in fields.items()))
        for key, fields in overrides(conn).items()
    }


def stage_marks(conn: Connection) -> dict[str, int]:
    """Source -> the last ``land_id`` the stage step has staged."""
    query = sa.select(ops_watermark.c.name, ops_watermark.c.value).where(ops_watermark.c.name.like("stage:%"))
    return {name.removeprefix("stage:"): int(value) for name, value in conn.execute(query)}


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]
