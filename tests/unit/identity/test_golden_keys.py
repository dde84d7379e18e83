"""Golden keys stay put across runs; merges and splits are explained."""

from __future__ import annotations

import datetime as dt

from pipeline.identity.golden import assign_keys
from pipeline.identity.survivorship import completeness, survive


def test_first_run_numbers_clusters_in_record_order() -> None:
    result = assign_keys({"a": 0, "b": 0, "c": 2}, {})
    assert result.keys == {"a": 1, "b": 1, "c": 2}
    assert [e.kind for e in result.events] == ["new", "new"]


def test_same_clusters_again_change_no_key_and_log_nothing() -> None:
    first = assign_keys({"a": 0, "b": 0, "c": 2, "d": 3}, {})
    again = assign_keys({"a": 7, "b": 7, "c": 9, "d": 1}, first.keys)  # labels may differ, keys must not
    assert again.keys == first.keys
    assert again.events == []
    assert again.changed(first.keys) == set()


def test_new_records_only_move_themselves() -> None:
    previous = {"a": 1, "b": 1, "c": 2}
    result = assign_keys({"a": 0, "b": 0, "c": 2, "n1": 0, "n2": 5}, previous)
    assert result.keys == {"a": 1, "b": 1, "c": 2, "n1": 1, "n2": 3}
    assert result.changed(previous) == {"n1", "n2"}


def test_merge_keeps_the_oldest_key_and_says_why() -> None:
    previous = {"a": 1, "b": 2}
    result = assign_keys({"a": 0, "b": 0}, previous, evidence={("a", "b"): "rule:email"})
    assert result.keys == {"a": 1, "b": 1}
    (merge,) = result.events
    assert (merge.kind, merge.customer_key, merge.other_key) == ("merge", 1, 2)
    assert "rule:email" in merge.reason


def test_split_leaves_the_key_with_most_records() -> None:
    previous = {"a": 1, "b": 1, "c": 1}
    result = assign_keys({"a": 0, "b": 0, "c": 1}, previous)
    assert result.keys["a"] == result.keys["b"] == 1
    assert result.keys["c"] == 2
    (split,) = result.events
    assert (split.kind, split.customer_key, split.other_key, split.records) == ("split", 2, 1, 1)


def test_survivorship_rules_and_provenance() -> None:
    old, new = dt.datetime(2025, 1, 1), dt.datetime(2026, 6, 1)
    records = [
        {"source": "directory", "source_key": "L1", "entity": "Listing", "updated_at": new,
         "company_name": "Acme Cleaning", "phone": "+441632960001", "sales_rep": None, "city": "Leeds"},
        {"source": "quickbooks", "source_key": "7", "entity": "Customer", "updated_at": old,
         "company_name": "Acme Cleaning Ltd", "phone": "+441632960999", "sales_rep": "Tom Gallagher", "city": None},
        {"source": "sales_leads", "source_key": "L-1", "entity": "Lead", "updated_at": old,
         "company_name": "ACME", "phone": None, "sales_rep": "Tom Gallagher", "city": "Leeds"},
    ]  # fmt: skip
    chosen = survive(records)
    assert (chosen["company_name"].value, chosen["company_name"].source) == (
        "Acme Cleaning Ltd",
        "quickbooks",
    )
    assert chosen["company_name"].rule == "consensus"  # no two agree: the most trusted source
    assert (chosen["phone"].value, chosen["phone"].rule) == ("+441632960001", "most_recent")
    assert (chosen["sales_rep"].value, chosen["sales_rep"].candidates) == ("Tom Gallagher", 2)
    assert (chosen["city"].value, chosen["city"].source_key) == (
        "Leeds",
        "L-1",
    )  # the lead outranks the listing
    assert "email" not in chosen


def test_completeness_weights_fields() -> None:
    assert completeness({}) == 0
    assert completeness({"name": "A", "email": "a@b.co", "phone": "+44"}) == 0.45


def _keys_by_full_scan(clusters: dict[str, int], previous: dict[str, int]) -> dict[str, int]:
    """The keys as the former per-cluster scan of every key owner gave them (the reference)."""
    from collections import Counter, defaultdict

    members: dict[int, list[str]] = defaultdict(list)
    for record in sorted(clusters):
        members[clusters[record]].append(record)
    ordered = sorted(members.values(), key=lambda recs: recs[0])
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for position, records in enumerate(ordered):
        for record in records:
            if record in previous:
                counts[previous[record]][position] += 1
    owner = {key: min(c, key=lambda p: (-c[p], p)) for key, c in counts.items()}
    next_key = max(previous.values(), default=0) + 1
    keys: dict[str, int] = {}
    for position, records in enumerate(ordered):
        owned = sorted(k for k, p in owner.items() if p == position)
        if owned:
            key = owned[0]
        else:
            key, next_key = next_key, next_key + 1
        keys.update(dict.fromkeys(records, key))
    return keys


def test_keys_after_random_merges_and_splits_match_a_full_scan() -> None:
    import random

    r = random.Random(3)
    for _ in range(30):
        records = [f"r{i:03d}" for i in range(r.randint(1, 60))]
        previous = {rec: r.randint(1, 15) for rec in records if r.random() < 0.8}
        clusters = {rec: r.randint(0, 20) for rec in records}
        result = assign_keys(clusters, previous)
        assert result.keys == _keys_by_full_scan(clusters, previous)
        kept_twice = [e for e in result.events if e.kind == "merge"]
        assert all(e.customer_key < (e.other_key or 0) for e in kept_twice)


def test_keys_and_events_match_the_former_implementation_on_random_batches() -> None:
    import random

    from tests.unit.identity.former_golden import former_assign_keys

    r = random.Random(11)
    kinds: set[str] = set()
    for _ in range(400):
        records = [f"r{r.randint(0, 999):03d}" for _ in range(r.randint(0, 80))]
        r.shuffle(records)  # the input's order must not matter
        previous = {rec: r.randint(1, 20) for rec in records if r.random() < 0.8}
        clusters = {
            rec: r.choice([r.randint(0, 25), ("t", r.randint(0, 3)), f"s{r.randint(0, 5)}"])
            for rec in records
        }
        evidence = {(a, b): "rule:email" for a in records[:10] for b in records[:10] if r.random() < 0.2}
        floor = r.choice([0, 30])
        expected = former_assign_keys(clusters, previous, evidence, floor)
        result = assign_keys(clusters, previous, evidence, floor)
        assert result.keys == expected.keys
        assert list(result.keys) == list(expected.keys)  # the same order too
        assert result.events == expected.events
        kinds.update(e.kind for e in result.events)
    assert kinds == {"new", "merge", "split"}  # every kind of change was exercised
