"""Match: staged customer records -> golden customers, by the identity engine, with stable keys.

Every staged customer record is matched against every other (Splink, Fellegi–Sunter, with
deterministic rules for the same e-mail or phone). Pairs at or above the engine's threshold join one
customer, unless a data steward rejected that pair; pairs a steward accepted join whatever their
score. Pairs the engine scored as alike but kept apart, and genuinely in doubt (``review_pairs``),
wait in ``identity_review`` for a steward.
Keys are stable (``pipeline.identity.golden``): a re-run never renumbers a customer, a deleted
customer's key is never reused, and every new customer, merge, split and removal (a record deleted at
its source) is written to ``identity_event`` with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.api_writes import SOURCE as API_SOURCE
from pipeline.api_writes import scoped_writers
from pipeline.identity.clustering import cluster_ids
from pipeline.identity.customers import CUSTOMER_FIELDS, CUSTOMER_SETTINGS, customer_frame, record_id
from pipeline.identity.engine import MatchSettings, dedupe
from pipeline.identity.golden import assign_keys, removal_events
from pipeline.identity.incremental import GoldenIndex
from pipeline.identity.params import ModelParams
from pipeline.identity.review import review_pairs
from pipeline.identity.scoped import REVIEW_KEY, held_records, keep_edge
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.steps.core import canonical_reps
from warehouse.engine import insert_rows
from warehouse.schema import (
    customer_xref,
    customer_xref_deleted,
    identity_event,
    identity_review,
    stg_customer,
)

logger = logging.getLogger(__name__)

ACCEPTED, REJECTED, PENDING = "accepted", "rejected", "pending"
KEY_FLOOR = "identity:max-key"  # the highest golden key ever given: new keys start above it
MODEL_STATE = "identity:model"  # ops_watermark entry holding the trained model (JSON)
MODEL_RECORDS = "identity:model-records"  # how many records it was trained on
RETRAIN_GROWTH = 0.25  # retrain once the records have grown by this share since the model was trained
REVIEW_FROM = 0.9  # pairs kept apart despite scoring this high need a steward's eye


def match(conn: Connection, batch_id: int) -> StepResult:
    """Resolve every staged customer record to a golden customer key."""
    # Ordered, so the engine sees the same input whatever order the database returns rows in.
    query = sa.select(stg_customer).order_by(stg_customer.c.source, stg_customer.c.source_key)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    xref = {record_id(r.source, r.source_key): r for r in conn.execute(sa.select(customer_xref))}
    staged = {record_id(r["source"], r["source_key"]) for r in rows}
    gone = {rid: x for rid, x in xref.items() if rid not in staged}  # deleted at their source
    xref = {rid: x for rid, x in xref.items() if rid in staged}
    removed = _remove_records(conn, gone, {x.customer_key for x in xref.values()}, batch_id)
    if not rows:
        _write_events(conn, removed, batch_id)
        return StepResult(message=f"{len(gone)} deleted records removed" if gone else None)
    frame = customer_frame(rows)
    model = _saved_model(conn, len(frame))
    resolution = dedupe(frame, CUSTOMER_FIELDS, _customer_settings(), model)
    pairs = resolution.pairs
    decisions = _decisions(conn)
    engine_cluster = dict(
        zip(resolution.clusters["record_id"], resolution.clusters["cluster_id"], strict=True)
    )
    edges, rule_of = _edges(pairs, engine_cluster, decisions, CUSTOMER_SETTINGS.threshold)
    ids = frame["record_id"].tolist()
    position = {r: i for i, r in enumerate(ids)}
    left = np.array([position[a] for a, _ in edges], dtype=np.int64)
    right = np.array([position[b] for _, b in edges], dtype=np.int64)
    labels = cluster_ids(len(ids), left, right)
    writers, reps = _rep_writers(conn)
    held = _held(rows, dict(zip(ids, labels.tolist(), strict=True)), writers, reps) if writers else {}
    if held:  # a rep's record changes no other owner's customer: those edges go until a steward joins them
        edges = [e for e in edges if keep_edge(*e, held, writers, rule_of[e])]
        rule_of = {e: rule_of[e] for e in edges}
        left = np.array([position[a] for a, _ in edges], dtype=np.int64)
        right = np.array([position[b] for _, b in edges], dtype=np.int64)
        labels = cluster_ids(len(ids), left, right)
    floor = max(
        int(get_watermark(conn, KEY_FLOOR, "0")), max((x.customer_key for x in gone.values()), default=0)
    )
    previous = {**_remembered_keys(conn, staged), **{r: x.customer_key for r, x in xref.items()}}
    assignment = assign_keys(dict(zip(ids, labels.tolist(), strict=True)), previous, rule_of, key_floor=floor)
    changed = _write_xref(conn, rows, assignment.keys, rule_of, xref, batch_id)
    _write_events(conn, [*removed, *assignment.events], batch_id)
    set_watermark(conn, KEY_FLOOR, str(max([floor, *assignment.keys.values()])), batch_id)
    review = review_pairs(
        pairs,
        engine_cluster,
        resolution.identifiers,
        threshold=CUSTOMER_SETTINGS.threshold,
        review_from=REVIEW_FROM,
    )
    if held:
        review = pd.concat([review, _held_pairs(held, pairs)], ignore_index=True)
    queued = _queue_reviews(conn, review, decisions, batch_id)
    if model is None and resolution.model is not None:  # a newly trained model: kept for later batches
        set_watermark(conn, MODEL_STATE, resolution.model.to_json(), batch_id)
        set_watermark(conn, MODEL_RECORDS, str(len(frame)), batch_id)
    logger.info(
        "matched %d records: %d keys changed or new, %d pairs await review", len(ids), changed, queued
    )
    return StepResult(
        rows_in=len(rows),
        rows_out=changed,
        lineage={("stg_customer", "customer_xref"): changed, ("stg_customer", "identity_review"): queued},
        message=f"{len(set(assignment.keys.values()))} customers; events: "
        + ", ".join(
            f"{k} {sum(1 for e in [*removed, *assignment.events] if e.kind == k)}"
            for k in ("new", "merge", "split", "removed")
        ),
    )


def _rep_writers(conn: Connection) -> tuple[dict[str, str], dict[str, str]]:
    """Record id -> the sales rep of each API record a rep wrote (in landing order), and reps' names as typed
    -> as the core step names them; both empty when no rep wrote through the API."""
    written = scoped_writers(conn)
    if not written:
        return {}, {}
    reps = canonical_reps(conn)
    return {record_id(API_SOURCE, k): reps.get(r, r) for k, r in written.items()}, reps


def _held(
    rows: list[dict[str, Any]], clusters: dict[str, int], writers: dict[str, str], reps: dict[str, str]
) -> dict[str, str]:
    """The records reps wrote that the engine put with another owner's customer (``pipeline.identity.scoped``)."""
    touched = {label for rid, label in clusters.items() if rid in writers}
    records: dict[str, dict[str, Any]] = {}
    for r in rows:
        rid = record_id(r["source"], r["source_key"])
        if clusters.get(rid) in touched:
            records[rid] = {**r, "sales_rep": reps.get(r["sales_rep"], r["sales_rep"])}
    return held_records({rid: clusters[rid] for rid in records}, records, writers)


def _held_pairs(held: dict[str, str], pairs: pd.DataFrame) -> pd.DataFrame:
    """Each held record with a record of the customer it resembles, for the steward's review queue."""
    scores = {
        _pair(a, b): (float(p), float(w))
        for a, b, p, w in pairs[
            ["record_id_l", "record_id_r", "match_probability", "match_weight"]
        ].itertuples(index=False)
    }
    out = []
    for rid, partner in sorted(held.items()):
        a, b = _pair(rid, partner)
        p, w = scores.get((a, b), (CUSTOMER_SETTINGS.threshold, 0.0))
        out.append({"record_id_l": a, "record_id_r": b, "match_probability": p, "match_weight": w,
                    "match_key": REVIEW_KEY})  # fmt: skip
    return pd.DataFrame(
        out, columns=["record_id_l", "record_id_r", "match_probability", "match_weight", "match_key"]
    )


def _customer_settings() -> MatchSettings:
    """The customer match settings: phones without a country code read as the home country's; the backend."""
    from settings import get_settings  # late: tests point the environment elsewhere

    settings = get_settings()
    return replace(
        CUSTOMER_SETTINGS,
        region=settings.home_country,
        backend=settings.identity_backend,
        spark_master=settings.spark_master,
    )


def _remove_records(conn: Connection, gone: dict[str, Any], remaining: set[int], batch_id: int) -> list[Any]:
    """Drop the keys of records no longer staged (deleted at their source); returns their ``removed`` events.

    Each record's key is remembered in ``customer_xref_deleted``, so a record that comes back gets it again.
    """
    if not gone:
        return []
    keys = [{"s": x.source, "k": x.source_key} for x in gone.values()]
    for table in (customer_xref, customer_xref_deleted):
        conn.execute(
            table.delete().where(
                (table.c.source == sa.bindparam("s")) & (table.c.source_key == sa.bindparam("k"))
            ),
            keys,
        )
    insert_rows(
        conn,
        customer_xref_deleted,
        [
            {
                "source": x.source,
                "source_key": x.source_key,
                "customer_key": x.customer_key,
                "batch_id": batch_id,
            }
            for x in gone.values()
        ],
    )
    return removal_events({rid: x.customer_key for rid, x in gone.items()}, remaining)


def _remembered_keys(conn: Connection, staged: set[str]) -> dict[str, int]:
    """The keys records had when their source deleted them, for those staged again (revived)."""
    rows = conn.execute(sa.select(customer_xref_deleted)).all()
    back = {record_id(r.source, r.source_key): r for r in rows if record_id(r.source, r.source_key) in staged}
    if back:
        conn.execute(
            customer_xref_deleted.delete().where(
                (customer_xref_deleted.c.source == sa.bindparam("s"))
                & (customer_xref_deleted.c.source_key == sa.bindparam("k"))
            ),
            [{"s": r.source, "k": r.source_key} for r in back.values()],
        )
        logger.info("%d records deleted before are back, with the keys they had", len(back))
    return {rid: int(r.customer_key) for rid, r in back.items()}


def decisions_since(conn: Connection, since: dt.datetime | None) -> int:
    """Steward decisions made after ``since`` (the last batch's end): news for a batch even if no source changed."""
    r = identity_review
    query = sa.select(sa.func.count()).where(r.c.status.in_([ACCEPTED, REJECTED]))
    if since is not None:
        query = query.where(r.c.decided_at > since)
    return int(conn.execute(query).scalar_one())


def _saved_model(conn: Connection, records: int) -> ModelParams | None:
    """The model to score with: the saved one while the data has not grown much, else None (train anew).

    Scoring every batch with one model keeps existing customers where they are: a retrained model
    moves borderline pairs, and with them customers nobody changed.
    """
    saved, trained_on = get_watermark(conn, MODEL_STATE), int(get_watermark(conn, MODEL_RECORDS, "0"))
    if not saved or records > trained_on * (1 + RETRAIN_GROWTH):
        return None
    return ModelParams.from_json(saved)


def golden_index(conn: Connection) -> GoldenIndex:
    """The index single records are matched against, with the last batch's model (trained anew if none)."""
    saved = get_watermark(conn, MODEL_STATE)
    return GoldenIndex.from_warehouse(conn, ModelParams.from_json(saved) if saved else None)


def _decisions(conn: Connection) -> dict[tuple[str, str], str]:
    query = sa.select(identity_review.c.record_l, identity_review.c.record_r, identity_review.c.status).where(
        identity_review.c.status.in_([ACCEPTED, REJECTED])
    )
    return {(r.record_l, r.record_r): r.status for r in conn.execute(query)}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _edges(
    pairs: pd.DataFrame,
    engine_cluster: dict[str, Any],
    decisions: dict[tuple[str, str], str],
    threshold: float,
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """Match edges: the engine's (pairs it put in one cluster) less those a steward rejected, plus accepted ones.

    Only pairs inside one engine cluster count, so the engine's conflict rules (two businesses that
    share a trading name but not a phone or postcode stay apart) hold here too.
    """
    rule_of: dict[tuple[str, str], str] = {}
    for a, b, p, key in pairs[["record_id_l", "record_id_r", "match_probability", "match_key"]].itertuples(
        index=False
    ):
        pair = _pair(a, b)
        if p >= threshold and engine_cluster[a] == engine_cluster[b] and decisions.get(pair) != REJECTED:
            rule_of[pair] = str(key) if str(key).startswith("rule:") else f"probabilistic p={p:.3f}"
    for pair, status in decisions.items():
        if status == ACCEPTED:
            rule_of[pair] = "steward"
    return sorted(rule_of), rule_of


def _write_xref(
    conn: Connection,
    rows: list[dict[str, Any]],
    keys: dict[str, int],
    rule_of: dict[tuple[str, str], str],
    xref: dict[str, Any],
    batch_id: int,
) -> int:
    """Insert new records' keys and update changed ones; unchanged rows keep their batch id."""
    strongest: dict[str, str] = {}
    for (a, b), rule in sorted(rule_of.items(), key=lambda kv: (not kv[1].startswith("rule:"), kv[0])):
        strongest.setdefault(a, rule)
        strongest.setdefault(b, rule)
    changes = []
    for row in rows:
        rid = record_id(row["source"], row["source_key"])
        key, rule = keys[rid], strongest.get(rid, "single")
        old = xref.get(rid)
        if old is not None and old.customer_key == key and old.match_rule == rule:
            continue
        changes.append(
            {
                "source": row["source"],
                "source_key": row["source_key"],
                "customer_key": key,
                "match_rule": rule[:60],
                "batch_id": batch_id,
            }
        )
    stale = [{"s": c["source"], "k": c["source_key"]} for c in changes]
    if stale:
        conn.execute(
            customer_xref.delete().where(
                (customer_xref.c.source == sa.bindparam("s"))
                & (customer_xref.c.source_key == sa.bindparam("k"))
            ),
            stale,
        )
    insert_rows(conn, customer_xref, changes)
    return len(changes)


def _write_events(conn: Connection, events: list[Any], batch_id: int) -> None:
    conn.execute(identity_event.delete().where(identity_event.c.batch_id == batch_id))
    insert_rows(
        conn,
        identity_event,
        (
            {
                "batch_id": batch_id,
                "seq": i,
                "kind": e.kind,
                "customer_key": e.customer_key,
                "other_key": e.other_key,
                "records": e.records,
                "reason": e.reason[:500],
            }
            for i, e in enumerate(events, start=1)
        ),  # fmt: skip
    )


def _queue_reviews(
    conn: Connection,
    review: pd.DataFrame,
    decisions: dict[tuple[str, str], str],
    batch_id: int,
) -> int:
    """Pairs for a steward (``review_pairs``: alike, kept apart, genuinely in doubt).

    New ones join the queue, ones that are no longer in doubt leave it; decided pairs stay decided.
    """
    r = identity_review
    waiting = {
        (w.record_l, w.record_r)
        for w in conn.execute(sa.select(r.c.record_l, r.c.record_r).where(r.c.status == PENDING))
    }
    queue: dict[tuple[str, str], dict[str, Any]] = {}
    for a, b, p, key in review[["record_id_l", "record_id_r", "match_probability", "match_key"]].itertuples(
        index=False
    ):
        pair = _pair(a, b)
        if pair not in decisions:
            queue[pair] = {"record_l": pair[0], "record_r": pair[1], "match_probability": round(float(p), 6),
                           "match_key": str(key)[:60], "status": PENDING, "batch_id": batch_id}  # fmt: skip
    gone = [{"l": a, "r": b} for a, b in waiting - queue.keys()]
    if gone:
        conn.execute(
            r.delete().where((r.c.record_l == sa.bindparam("l")) & (r.c.record_r == sa.bindparam("r"))), gone
        )
    return insert_rows(conn, r, (row for pair, row in queue.items() if pair not in waiting))
