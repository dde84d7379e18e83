"""The engine finds known duplicates, honours deterministic rules and scores FEBRL1 well."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.identity import FieldMap, FieldMapError, InputDataError, MatchSettings, dedupe, link
from pipeline.identity.evaluate import evaluate_febrl, score

PEOPLE = pd.DataFrame(
    {
        "id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"],
        "first": ["Zoë", "zoe", "Mark", "Marc", "Ann", "Bob", "Cy", "Di"],
        "last": ["O'Brien", "OBRIEN", "Tan", "Tan", "Lee", "Ng", "Wu", "Fox"],
        "mail": ["zoe@x.com", None, "mark@x.com", "MARK@X.COM", None, "bob@y.com", None, None],
        "qb": [None, None, None, None, "QB-9", None, None, "QB-9"],
        "tel": ["(02) 9876 5432", "+61 2 9876 5432", None, None, None, None, None, None],
        "dob": [
            "1980-01-02",
            "02/01/1980",
            None,
            None,
            "1970-05-05",
            "1990-03-03",
            "1960-01-01",
            "1950-02-02",
        ],
    }
)
FIELDS = FieldMap(
    record_id="id",
    given_name="first",
    family_name="last",
    email="mail",
    source_id="qb",
    phone="tel",
    date_of_birth="dob",
)
#: The phones above are Australian: the settings say so (the engine assumes no country).
AU = MatchSettings(region="AU")


def test_deterministic_rules_force_matches_and_nothing_else() -> None:
    res = dedupe(PEOPLE, FIELDS, AU)
    cluster = dict(zip(res.clusters["record_id"], res.clusters["cluster_id"], strict=True))
    assert cluster["a1"] == cluster["a2"]  # same phone in two formats
    assert cluster["a3"] == cluster["a4"]  # same e-mail in two cases
    assert cluster["a5"] == cluster["a8"]  # same QuickBooks id
    assert len({cluster["a1"], cluster["a3"], cluster["a5"], cluster["a6"], cluster["a7"]}) == 5
    keys = set(res.pairs["match_key"])
    assert {"rule:phone", "rule:email", "rule:source_id"} <= keys
    assert len(res.clusters) == len(PEOPLE)


def test_febrl1_f1_and_known_duplicates() -> None:
    ev = evaluate_febrl("febrl1", with_baseline=False)
    assert ev.engine.f1 > 0.99
    assert ev.engine.precision > 0.99


def test_link_pairs_two_frames() -> None:
    a = PEOPLE.iloc[[0, 2, 5]].reset_index(drop=True)
    b = PEOPLE.iloc[[1, 3, 6]].reset_index(drop=True)
    res = link(a, b, FIELDS, AU)
    c = res.clusters.set_index(["dataset", "record_id"])["cluster_id"]
    assert c[("a", "a1")] == c[("b", "a2")]
    assert c[("a", "a3")] == c[("b", "a4")]
    assert c[("a", "a6")] != c[("b", "a7")]
    truth = pd.DataFrame({"record_id_l": ["a1", "a3"], "record_id_r": ["a2", "a4"]})
    assert score(res, truth).f1 == 1.0


def test_shared_switchboard_phone_does_not_force_matches() -> None:
    many = pd.DataFrame(
        {
            "id": range(12),
            "biz": [f"Firm {chr(65 + i)} Pty Ltd" for i in range(12)],
            "tel": ["(02) 9000 0000"] * 12,
        }
    )
    res = dedupe(
        many,
        FieldMap(record_id="id", business_name="biz", phone="tel"),
        MatchSettings(region="AU", max_shared=10),
    )
    assert not (res.pairs["match_key"] == "rule:phone").any()


def test_bad_field_map_and_ids_are_rejected_with_names() -> None:
    with pytest.raises(FieldMapError, match="surname"):
        dedupe(PEOPLE, FieldMap(record_id="id", family_name="surname"))
    dup = PEOPLE.assign(id=["x"] * len(PEOPLE))
    with pytest.raises(InputDataError, match="record id 'x'"):
        dedupe(dup, FIELDS, AU)


def test_one_record_is_its_own_customer_without_a_model() -> None:
    res = dedupe(PEOPLE.iloc[[0]], FIELDS, AU)
    assert res.clusters["record_id"].tolist() == ["a1"]
    assert res.pairs.empty
    assert res.model is None  # nothing to learn from: no model is kept for later batches


def test_linking_against_an_empty_frame_links_nothing() -> None:
    res = link(PEOPLE.iloc[[0, 2]].reset_index(drop=True), PEOPLE.iloc[[]], FIELDS, AU)
    assert sorted(res.clusters["record_id"]) == ["a1", "a3"]
    assert res.clusters["cluster_id"].nunique() == 2
    assert res.pairs.empty
