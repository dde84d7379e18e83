"""Match: staged customer records -> golden customers, by the identity engine, with stable keys.

Every staged customer record is matched against every other (Splink, Fellegi–Sunter, with
deterministic rules for the same e-mail or phone). Pairs at or above the engine's threshold join one
customer, unless a data steward rejected that pair; pairs a steward accepted join whatever their
score. Pairs the engine scored as alike but kept apart, and genuinely in doubt (``review_pairs``),
wait in ``identity_review`` for a steward.
Keys are stable (``pipeline.identity.golden``): a re-run never renumbers a customer, a deleted
customer's key is never reused, and every new customer, merge, split and removal (a record deleted at
its source) is written to ``identity_event`` with its reason.
A batch in which no staged customer record, steward decision or rep's write changed (only sales, say) has
nothing to match: the step writes nothing and says so (``pipeline.steps.match_state``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.api_writes import SOURCE as API_SOURCE
from pipeline.api_writes import scoped_writers
from pipeline.identity.clustering import cluster_ids
from pipeline.identity.customers import CUSTOMER_FIELDS, CUSTOMER_SETTINGS, record_id
from pipeline.identity.engine import MatchSettings, dedupe
from pipeline.identity.errors import MatchingError
from pipeline.identity.golden import assign_keys, removal_events
from pipeline.identity.incremental import GoldenIndex
from pipeline.identity.params import ModelParams
from pipeline.identity.review import review_pairs
from pipeline.identity.scoped import REVIEW_KEY, held_records, keep_edge
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.steps.core import canonical_reps
from pipeline.steps.match_state import STATE, digest, what_match_reads, what_match_wrote
from pipeline.steps.match_tables import engine_frame, staged_records, stored_xref, write_xref
from warehouse.engine import insert_rows
from warehouse.schema import (
    customer_xref,
    customer_xref_deleted,
    identity_event,
    identity_review,
)

logger = logging.getLogger(__name__)

ACCEPTED, REJECTED, PENDING = "accepted", "rejected", "pending"
KEY_FLOOR = "identity:max-key"  # the highest golden key ever given: new keys start above it
MODEL_STATE = "identity:model"  # ops_watermark entry holding the trained model (JSON)
MODEL_RECORDS = "identity:model-records"  # how many records it was trained on
RETRAIN_GROWTH = 0.25  # retrain once the records have grown by this share since the model was trained
REVIEW_FROM = 0.9  # pairs kept apart despite scoring this high need a steward's eye


def match(conn: Connection, batch_id: int) -> StepResult:
    """Resolve every staged customer record to a golden customer key; nothing to do (and nothing written) when
    no staged record, steward decision or rep's write changed since match last ran (``match_state``)."""
    writers, reps = _rep_writers(conn)
    decisions = _decisions(conn)
    read = what_match_reads(conn, decisions, writers, reps, _state_settings())
    last = get_watermark(conn, STATE)
    if last and last == digest(read, what_match_wrote(conn)):
        logger.info("no customer record changed since match last ran: nothing matched")
        return StepResult(message="no customer record changed since match last ran: nothing matched")
    result = _match_all(conn, batch_id, decisions, writers, reps)
    set_watermark(conn, STATE, digest(read, what_match_wrote(conn)), batch_id)
    return result


def _match_all(
    conn: Connection,
    batch_id: int,
    decisions: dict[tuple[str, str], str],
    writers: dict[str, str],
    reps: dict[str, str],
) -> StepResult:
    """Match every staged record, write the keys that changed, the events and the review queue."""
    staged = staged_records(conn)
    ids = staged.select(pl.concat_str("source", pl.lit("|"), "source_key")).to_series().to_list()
    stored = stored_xref(conn)
    still = stored["record_id"].is_in(ids)
    gone = {  # deleted at their source
        r["record_id"]: _Gone(r["source"], r["source_key"], r["customer_key"])
        for r in stored.filter(~still).iter_rows(named=True)
    }
    xref = stored.filter(still)
    removed = _remove_records(conn, gone, set(xref["customer_key"].to_list()), batch_id)
    if not ids:
        _write_events(conn, removed, batch_id)
        return StepResult(message=f"{len(gone)} deleted records removed" if gone else None)
    frame = engine_frame(staged)
    model = _saved_model(conn, len(frame))
    resolution = dedupe(frame, CUSTOMER_FIELDS, _customer_settings(), model)
    pairs = resolution.pairs
    engine_cluster = pd.Series(
        resolution.clusters["cluster_id"].to_numpy(), index=resolution.clusters["record_id"].to_numpy()
    )
    edges, rule_of = _edges(pairs, engine_cluster, decisions, CUSTOMER_SETTINGS.threshold)
    position = pd.Index(ids)
    labels = _clusters(position, edges)
    held = _held(staged, ids, labels, writers, reps) if writers else {}
    if held:  # a rep's record changes no other owner's customer: those edges go until a steward joins them
        edges = [e for e in edges if keep_edge(*e, held, writers, rule_of[e])]
        rule_of = {e: rule_of[e] for e in edges}
        labels = _clusters(position, edges)
    floor = max(
        int(get_watermark(conn, KEY_FLOOR, "0")), max((x.customer_key for x in gone.values()), default=0)
    )
    previous = {
        **_remembered_keys(conn, set(ids)),
        **dict(zip(xref["record_id"].to_list(), xref["customer_key"].to_list(), strict=True)),
    }
    assignment = assign_keys(dict(zip(ids, labels.tolist(), strict=True)), previous, rule_of, key_floor=floor)
    changed = write_xref(conn, staged, assignment.frame(), rule_of, xref, batch_id)
    _write_events(conn, [*removed, *assignment.events], batch_id)
    set_watermark(conn, KEY_FLOOR, str(max(floor, int(assignment.customer_keys.max(initial=0)))), batch_id)
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
    events = [*removed, *assignment.events]
    return StepResult(
        rows_in=len(ids),
        rows_out=changed,
        lineage={("stg_customer", "customer_xref"): changed, ("stg_customer", "identity_review"): queued},
        message=f"{len(np.unique(assignment.customer_keys))} customers; events: "
        + ", ".join(
            f"{k} {sum(1 for e in events if e.kind == k)}" for k in ("new", "merge", "split", "removed")
        ),
    )


class _Gone(NamedTuple):
    """A cross-reference row of a record no longer staged."""

    source: str
    source_key: str
    customer_key: int


def _clusters(position: pd.Index, edges: list[tuple[str, str]]) -> npt.NDArray[np.int64]:
    """Cluster label per staged record (``position``: record ids in order) from the match edges."""
    left = position.get_indexer(pd.Index([a for a, _ in edges], dtype=object)).astype(np.int64)
    right = position.get_indexer(pd.Index([b for _, b in edges], dtype=object)).astype(np.int64)
    missing = np.flatnonzero((left < 0) | (right < 0))
    if len(missing):
        a, b = edges[int(missing[0])]
        raise MatchingError(f"the accepted pair {a} / {b} names a record that is not staged")
    return cluster_ids(len(position), left, right)


def _state_settings() -> tuple[str | None, str]:
    """The settings match's result depends on: the home country (phones without a country code) and the backend."""
    from settings import get_settings  # late: tests point the environment elsewhere

    settings = get_settings()
    return settings.home_country, settings.identity_backend


def _rep_writers(conn: Connection) -> tuple[dict[str, str], dict[str, str]]:
    """Record id -> the sales rep of each API record a rep wrote (in landing order), and reps' names as typed
    -> as the core step names them; both empty when no rep wrote through the API."""
    written = scoped_writers(conn)
    if not written:
        return {}, {}
    reps = canonical_reps(conn)
    return {record_id(API_SOURCE, k): reps.get(r, r) for k, r in written.items()}, reps


def _held(
    staged: pl.DataFrame,
    ids: list[str],
    labels: npt.NDArray[np.int64],
    writers: dict[str, str],
    reps: dict[str, str],
) -> dict[str, str]:
    """The records reps wrote that the engine put with another owner's customer (``pipeline.identity.scoped``)."""
    clusters = dict(zip(ids, labels.tolist(), strict=True))
    touched = {label for rid, label in clusters.items() if rid in writers}
    mine = staged.filter(pl.Series(np.isin(labels, list(touched))))
    records = {
        record_id(r["source"], r["source_key"]): {**r, "sales_rep": reps.get(r["sales_rep"], r["sales_rep"])}
        for r in mine.iter_rows(named=True)
    }
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
    engine_cluster: Mapping[str, Any] | pd.Series,
    decisions: Mapping[tuple[str, str], str],
    threshold: float,
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """Match edges: the engine's (pairs it put in one cluster) less those a steward rejected, plus accepted ones.

    Only pairs inside one engine cluster count, so the engine's conflict rules (two businesses that
    share a trading name but not a phone or postcode stay apart) hold here too.
    """
    cluster = engine_cluster if isinstance(engine_cluster, pd.Series) else pd.Series(engine_cluster)
    left, right = pairs["record_id_l"], pairs["record_id_r"]
    probability = pairs["match_probability"].to_numpy(np.float64)
    inside = (probability >= threshold) & (left.map(cluster).to_numpy() == right.map(cluster).to_numpy())
    left, right = left.to_numpy(object)[inside], right.to_numpy(object)[inside]
    first = left <= right
    a, b = np.where(first, left, right).tolist(), np.where(first, right, left).tolist()
    keys = pairs["match_key"].to_numpy(object)[inside].tolist()
    rules = [
        str(k) if str(k).startswith("rule:") else f"probabilistic p={p:.3f}"
        for k, p in zip(keys, probability[inside].tolist(), strict=True)
    ]
    rejected = {pair for pair, status in decisions.items() if status == REJECTED}
    rule_of = {
        pair: rule for pair, rule in zip(zip(a, b, strict=True), rules, strict=True) if pair not in rejected
    }
    for pair, status in decisions.items():
        if status == ACCEPTED:
            rule_of[pair] = "steward"
    return sorted(rule_of), rule_of


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
