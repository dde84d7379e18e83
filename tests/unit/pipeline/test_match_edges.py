"""Steward decisions override the engine: a rejected pair never joins, an accepted pair always does."""

from __future__ import annotations

import pandas as pd

from pipeline.steps.match import ACCEPTED, REJECTED, _edges


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
