"""Steward decisions override the engine: a rejected pair never joins, an accepted pair always does; the edges and
each record's strongest rule are what building them pair by pair gave."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa

from pipeline.identity.errors import MatchingError
from pipeline.steps.match import ACCEPTED, REJECTED, _edges
from pipeline.steps.match_tables import strongest_rules, write_xref
from warehouse.engine import Warehouse
from warehouse.schema import customer_xref


def _pairs(*rows: tuple[str, str, float, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_probability", "match_key"])


def test_engine_pairs_inside_one_cluster_are_edges_with_their_rule() -> None:
    pairs = _pairs(("q|1", "l|1", 1.0, "rule:email"), ("q|1", "d|9", 0.95, "5"), ("q|2", "d|8", 0.99, "5"))
    clusters = {"q|1": 0, "l|1": 0, "d|9": 0, "q|2": 3, "d|8": 4}  # the engine kept q|2 and d|8 apart
    edges, rule_of = _edges(pairs, clusters, {}, threshold=0.2)
    assert edges == [("d|9", "q|1"), ("l|1", "q|1")]
    assert rule_of[("l|1", "q|1")] == "rule:email"
    assert rule_of[("d|9", "q|1")] == "probabilistic p=0.950"


def test_steward_rejection_cuts_and_acceptance_joins() -> None:
    pairs = _pairs(("q|1", "l|1", 1.0, "rule:email"), ("q|2", "d|8", 0.99, "5"))
    clusters = {"q|1": 0, "l|1": 0, "q|2": 3, "d|8": 4}
    decisions = {("l|1", "q|1"): REJECTED, ("d|8", "q|2"): ACCEPTED}
    edges, rule_of = _edges(pairs, clusters, decisions, threshold=0.2)
    assert edges == [("d|8", "q|2")]
    assert rule_of[("d|8", "q|2")] == "steward"


def _former_edges(
    pairs: pd.DataFrame, clusters: dict[str, int], decisions: dict[tuple[str, str], str], threshold: float
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """The edges as match built them one pair at a time, before it worked on whole columns."""
    rule_of: dict[tuple[str, str], str] = {}
    for a, b, p, key in pairs.itertuples(index=False):
        pair = (a, b) if a <= b else (b, a)
        if p >= threshold and clusters[a] == clusters[b] and decisions.get(pair) != REJECTED:
            rule_of[pair] = str(key) if str(key).startswith("rule:") else f"probabilistic p={p:.3f}"
    for pair, status in decisions.items():
        if status == ACCEPTED:
            rule_of[pair] = "steward"
    return sorted(rule_of), rule_of


def _former_strongest(rule_of: dict[tuple[str, str], str]) -> dict[str, str]:
    strongest: dict[str, str] = {}
    for (a, b), rule in sorted(rule_of.items(), key=lambda kv: (not kv[1].startswith("rule:"), kv[0])):
        strongest.setdefault(a, rule)
        strongest.setdefault(b, rule)
    return strongest


def test_edges_and_each_records_strongest_rule_are_what_matching_pair_by_pair_gave() -> None:
    rng = random.Random(7)
    ids = [f"{rng.choice(['quickbooks', 'directory', 'sales_leads'])}|{i}" for i in range(300)]
    clusters = {r: rng.randrange(40) for r in ids}
    rows = []
    for _ in range(2000):
        a, b = rng.sample(ids, 2)
        key = rng.choice(["rule:email", "rule:phone", "3", "5"])
        rows.append((a, b, 1.0 if key.startswith("rule:") else rng.random(), key))
    decided = rng.sample(rows, 40)
    decisions = {((a, b) if a <= b else (b, a)): rng.choice([ACCEPTED, REJECTED]) for a, b, _, _ in decided}
    pairs = _pairs(*rows)
    edges, rule_of = _edges(pairs, clusters, decisions, threshold=0.2)
    assert (edges, rule_of) == _former_edges(pairs, clusters, decisions, 0.2)
    strongest = strongest_rules(rule_of)
    assert dict(zip(strongest["record_id"], strongest["match_rule"], strict=True)) == _former_strongest(
        rule_of
    )


def test_a_staged_record_given_no_golden_key_stops_the_cross_reference_before_it_is_written(
    tmp_path: Path,
) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    warehouse.create_all()
    staged = pl.DataFrame({"source": ["quickbooks", "quickbooks"], "source_key": ["1", "2"]})
    keys = pl.DataFrame({"record_id": ["quickbooks|1"], "customer_key": [7]})  # record 2 was left out
    stored = pl.DataFrame(schema={"record_id": pl.String, "customer_key": pl.Int64, "match_rule": pl.String})
    with (
        pytest.raises(MatchingError, match="1 staged records were given no golden key"),
        warehouse.begin() as conn,
    ):
        write_xref(conn, staged, keys, {}, stored, batch_id=1)
    assert warehouse.rows(sa.select(customer_xref)) == []
