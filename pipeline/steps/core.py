"""Core: golden customers, dimensions and facts, built from staging and the customer cross-reference.

Dimension keys are stable: a name seen before keeps its key, a new one gets the next key
(`pipeline.steps.keys`). The golden rows are built by `pipeline.steps.golden`, the facts by
`pipeline.steps.facts`. A batch redoes only what changed since the step last built
(`pipeline.steps.core_delta`, `pipeline.steps.core_redo`), giving the rows a full build gives; it builds
everything when it has no earlier build to go on, when an input every row may depend on changed
(`pipeline.steps.core_state`), or when much changed.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.changes import record_everything
from pipeline.ops import StepResult
from pipeline.steps import core_state, dims
from pipeline.steps.core_delta import find
from pipeline.steps.core_redo import redo_changed, remember_members
from pipeline.steps.facts import (
    FACTS,
    Dimensions,
    build_facts,
    quarantined,
    with_customer,
)
from pipeline.steps.golden import (
    canonical,
    canonical_reps,
    dim_customer_rows,
    golden_customers,
    names,
    unidentified_row,
    vocabulary,
)
from pipeline.steps.keys import stable_keys
from warehouse.engine import insert_rows
from warehouse.frames import read_frame
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    core_member,
    customer_xref,
    dim_channel,
    dim_customer,
    golden_field,
    stg_campaign,
    stg_interaction,
    stg_sales_line,
)

logger = logging.getLogger(__name__)

__all__ = ["build_core", "canonical_reps"]


def build_core(conn: Connection, batch_id: int, today: dt.date, reuse: bool = True) -> StepResult:
    """Build golden customers, dimensions and facts in the caller's transaction: what changed since the last
    build, or everything (``reuse=False``, or when that is needed)."""
    # The write lock first: on SQLite a transaction that read before its first write fails that write when
    # another connection (the run lock's heartbeat) committed in between.
    conn.execute(core_member.delete().where(sa.false()))
    rep_names = canonical_reps(conn)
    inputs, books = core_state.global_inputs(conn, rep_names)
    if conn.dialect.name == "mssql":  # the changes are looked up by (source, key) pairs: `(a, b) IN (...)`
        reuse = False  # SQL Server cannot read, so it builds everything (as every batch did before)
    state = core_state.load(conn) if reuse else None
    reason = _full_reason(state, inputs, batch_id) if reuse else "asked for"
    if state is not None and reason is None:
        words = vocabulary(conn)
        delta = find(conn, state, words)
        done = redo_changed(conn, batch_id, today, delta, state.staged, rep_names, books, words)
        if not isinstance(done, str):
            result, ties = done
            again = delta.customers | delta.suspects
            kept = {k: v for k, v in state.ties.items() if k not in again}
            core_state.save(
                conn,
                batch_id,
                core_state.CoreState(
                    batch_id,
                    inputs,
                    core_state.stage_marks(conn),
                    core_state.override_digests(conn),
                    kept | ties,
                    0,
                ),
            )
            logger.info("core: %s", result.message)
            return result
        reason = done
    return _build_everything(conn, batch_id, today, rep_names, inputs, reason or "")


def _full_reason(state: core_state.CoreState | None, inputs: dict[str, str], batch_id: int) -> str | None:
    """Why this build must be a full one, or None."""
    if state is None:
        return "no earlier build to go on"
    if state.batch >= batch_id:
        return f"batch {batch_id} is built again"
    changed = sorted(k for k in inputs.keys() | state.inputs.keys() if inputs.get(k) != state.inputs.get(k))
    if changed:
        return "changed: " + ", ".join(changed)
    if state.dropped:
        return "products or campaigns left staging in the last build"
    return None


def _build_everything(
    conn: Connection,
    batch_id: int,
    today: dt.date,
    rep_names: dict[str, str],
    inputs: dict[str, str],
    reason: str,
) -> StepResult:
    """Rebuild golden customers, dimensions and facts from scratch, and remember the build."""
    for fact in FACTS:
        conn.execute(fact.delete())
    conn.execute(dim_customer.delete())
    conn.execute(golden_field.delete())

    lines = canonical(read_frame(conn, sa.select(stg_sales_line)), rep_names)
    golden, provenance, ties = golden_customers(conn, rep_names)
    reps, geos = dims.reps_and_places(conn, golden, lines)
    products = dims.products(conn)
    campaigns = read_frame(conn, sa.select(stg_campaign))
    interactions = read_frame(conn, sa.select(stg_interaction))
    channels = stable_keys(
        conn,
        dim_channel,
        "channel_key",
        ["name"],
        names(lines["channel"], interactions["channel"], campaigns["channel"]),
    )
    xref = read_frame(
        conn, sa.select(customer_xref.c.source, customer_xref.c.source_key, customer_xref.c.customer_key)
    )
    buyers = set(with_customer(lines, xref)["customer_key"].to_list())
    customers = dim_customer_rows(golden, reps, geos, buyers)
    if UNIDENTIFIED_CUSTOMER_KEY in buyers:
        customers.append(unidentified_row())
    insert_rows(conn, dim_customer, customers)
    insert_rows(conn, golden_field, provenance)
    written = dims.campaigns(conn, campaigns, channels)
    dimensions = Dimensions(
        products.keys, reps, channels, written.keys, {c["customer_key"]: c["rep_key"] for c in customers}
    )
    facts = build_facts(conn, lines, interactions, xref, dimensions, today)
    remember_members(conn)
    state = core_state.CoreState(
        batch_id,
        inputs,
        core_state.stage_marks(conn),
        core_state.override_digests(conn),
        ties,
        products.dropped + written.dropped,
    )
    core_state.save(conn, batch_id, state)
    record_everything(conn, batch_id)
    logger.info("core rebuilt in full: %s", reason)
    return StepResult(
        rows_in=lines.height,
        rows_out=len(customers) + sum(facts.values()),
        rows_rejected=quarantined(conn),
        lineage={("stg_customer", "dim_customer"): len(customers), **facts},
        message=f"rebuilt in full: {reason}",
    )
