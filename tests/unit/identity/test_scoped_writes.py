"""A record a sales rep wrote through the API is held apart from a customer someone else owns, and joins one
that is the rep's own or that only reps' writes know (the first writer's)."""

from __future__ import annotations

from typing import Any

from pipeline.identity.scoped import REVIEW_KEY, held_records, keep_edge, without_rep_votes
from pipeline.identity.survivorship import survive


def _rec(rid: str, rep: str | None, entity: str = "Customer") -> dict[str, Any]:
    source, key = rid.split("|")
    return {"source": source, "source_key": key, "entity": entity, "sales_rep": rep, "company_name": "Acme"}


RECORDS = {
    r["source"] + "|" + r["source_key"]: r
    for r in (
        _rec("quickbooks|c1", "Bob Singh"),
        _rec("sheet|c1", "Bob Singh", "Lead"),
        _rec("quickbooks|c2", "Alice Brown"),
        _rec("directory|c3", None, "Listing"),
        _rec("api|a1", "Alice Brown", "Lead"),
        _rec("api|a2", "Alice Brown", "Contact"),
        _rec("api|a3", "Alice Brown", "Lead"),
        _rec("api|b1", "Bob Singh", "Lead"),
        _rec("api|a4", "Alice Brown", "Lead"),
    )
}
WRITERS = {  # in landing order: Bob wrote b1 before Alice wrote a4
    "api|a1": "Alice Brown",
    "api|a2": "Alice Brown",
    "api|a3": "Alice Brown",
    "api|b1": "Bob Singh",
    "api|a4": "Alice Brown",
}


def test_a_reps_records_are_held_from_other_owners_and_unowned_customers_only() -> None:
    clusters = {
        "quickbooks|c1": 1, "sheet|c1": 1, "api|a1": 1, "api|a2": 1,  # Bob's customer, two of Alice's writes
        "quickbooks|c2": 2, "api|a3": 2,  # Alice's own customer
        "directory|c3": 3, "api|x": 3,  # a listing and a manager's lead (not a rep's write): nothing held
        "api|b1": 4, "api|a4": 4,  # a prospect only reps wrote about: Bob first
    }  # fmt: skip
    records = RECORDS | {"api|x": _rec("api|x", "Carol Diaz", "Lead")}
    held = held_records(clusters, records, WRITERS)
    assert held == {"api|a1": "quickbooks|c1", "api|a2": "quickbooks|c1", "api|a4": "api|b1"}
    # a customer no rep owns is one no rep reads: a rep's write beside it is held too
    assert held_records({"directory|c3": 3, "api|a3": 3}, RECORDS, WRITERS) == {"api|a3": "directory|c3"}
    assert held_records({"api|a3": 9}, RECORDS, WRITERS) == {}  # alone: a new prospect of the writer


def test_only_the_edges_tying_held_records_to_others_go_unless_a_steward_joined_them() -> None:
    held = {"api|a1": "quickbooks|c1", "api|a2": "quickbooks|c1"}
    assert keep_edge("quickbooks|c1", "sheet|c1", held, WRITERS, "rule: email")
    assert not keep_edge("api|a1", "quickbooks|c1", held, WRITERS, "rule: email")
    assert keep_edge("api|a1", "api|a2", held, WRITERS, "probabilistic p=0.990")  # Alice's two stay together
    assert keep_edge("api|a1", "quickbooks|c1", held, WRITERS, "steward")
    assert REVIEW_KEY.startswith("scope")


def test_reps_writes_never_vote_on_the_owner_of_a_customer_other_records_make() -> None:
    joined = [RECORDS["quickbooks|c1"], RECORDS["api|a1"], RECORDS["api|a3"]]  # a steward joined Alice's two
    votes = without_rep_votes(joined, lambda r: r["source"] == "api")
    assert [r["sales_rep"] for r in votes] == ["Bob Singh", None, None]
    assert survive(votes)["sales_rep"].value == "Bob Singh"  # two of hers would outvote his one otherwise
    assert survive(joined)["sales_rep"].value == "Alice Brown"
    only_writes = [RECORDS["api|b1"], RECORDS["api|a4"]]
    assert without_rep_votes(only_writes, lambda r: True) == only_writes
    unowned = [RECORDS["directory|c3"], RECORDS["api|a3"]]  # a steward joined a listing no rep owns
    assert (
        survive(without_rep_votes(unowned, lambda r: r["source"] == "api"))["sales_rep"].value
        == "Alice Brown"
    )
