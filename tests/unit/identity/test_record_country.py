"""Each record read for its own country, and the person model of a mixed set kept and used."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.identity import dedupe
from pipeline.identity.customers import CUSTOMER_FIELDS, CUSTOMER_SETTINGS, customer_frame
from pipeline.identity.engine import MatchSettings
from pipeline.identity.errors import MatchingError
from pipeline.identity.fields import RECORD_ID
from pipeline.identity.foreign import FOREIGN_FIELDS, foreign_records
from pipeline.identity.incremental import GoldenIndex, match_record
from pipeline.identity.params import ModelParams
from pipeline.identity.prepare import standardise_frame

US = MatchSettings(region="US", day_first=False)
#: The foreign set without phones (a small set leaves the person model's "same last seven digits" level
#: untrained) and streets (``scoring.py`` cannot read the person model's address comparison).
MIXED = replace(FOREIGN_FIELDS, phone=None, street=None)


def _row(
    key: str, name: str, phone: str, postcode: str, country: str | None, street: str
) -> dict[str, str | None]:
    return {
        "source": "directory", "source_key": key, "company_name": name, "phone": phone, "postcode": postcode,
        "country": country, "street": street, "city": None, "email": None,
    }  # fmt: skip


def _customers() -> pd.DataFrame:
    """British businesses, plus an Irish and a US customer, each twice under another trading name."""
    home = [
        _row(f"gb{i}", f"Firm{i} Bakery", f"020 7946 {1000 + i}", f"E{i % 9 + 1} {i % 9 + 1}A{'BDEFGHJLN'[i % 9]}",
             "GB" if i % 2 else None, f"{i} High Street")
        for i in range(40)
    ]  # fmt: skip
    foreign = [
        _row("ie1", "Liffey Bakes", "(01) 555 1234", "D02 X285", "Ireland", "4 Quay Street"),
        _row("ie2", "Dublin Bread Co", "01-555-1234", "D02X285", "IE", "4 Quay St"),
        _row("us1", "Golden Gate Rolls", "(650) 253-0000", "94043", "United States", "1600 Amphitheatre Parkway"),
        _row("us2", "GG Bakery", "650.253.0000", "94043-1351", "US", "1600 Amphitheatre Pkwy"),
    ]  # fmt: skip
    return customer_frame(home + foreign)


def _cluster(clusters: pd.DataFrame, record: str) -> int:
    return int(clusters.loc[clusters[RECORD_ID] == record, "cluster_id"].iloc[0])


def test_foreign_customers_keep_their_phones_and_postcodes_in_a_gb_run() -> None:
    std = standardise_frame(_customers(), CUSTOMER_FIELDS, region="GB").set_index(RECORD_ID)
    assert std.loc["directory|ie1", "phone"] == std.loc["directory|ie2", "phone"] == "+35315551234"
    assert std.loc["directory|ie1", "postcode"] == std.loc["directory|ie2", "postcode"] == "D02X285"
    assert std.loc["directory|us1", "phone"] == std.loc["directory|us2", "phone"] == "+16502530000"
    assert std.loc["directory|us1", "postcode"] == "94043"
    assert std.loc["directory|us2", "postcode"] == "940431351"
    assert std.loc["directory|gb1", "phone"] == "+442079461001"  # British records read as before
    # Without the country column the same records lose them, as before this change.
    old = standardise_frame(_customers(), replace(CUSTOMER_FIELDS, country=None), region="GB")
    assert (
        old.set_index(RECORD_ID)
        .loc[["directory|ie1", "directory|us2"], ["phone", "postcode"]]
        .isna()
        .all()
        .all()
    )


def test_foreign_customers_match_their_duplicates_in_a_gb_run() -> None:
    clusters = dedupe(_customers(), CUSTOMER_FIELDS, CUSTOMER_SETTINGS).clusters
    assert _cluster(clusters, "directory|ie1") == _cluster(clusters, "directory|ie2")
    assert _cluster(clusters, "directory|us1") == _cluster(clusters, "directory|us2")
    assert _cluster(clusters, "directory|ie1") != _cluster(clusters, "directory|us1")
    before = dedupe(_customers(), replace(CUSTOMER_FIELDS, country=None), CUSTOMER_SETTINGS).clusters
    assert _cluster(before, "directory|ie1") != _cluster(before, "directory|ie2")


@pytest.fixture(scope="module")
def mixed() -> tuple[pd.DataFrame, object]:
    records = foreign_records(entities=800, seed=7).drop(columns="entity_id")
    return records, dedupe(records, MIXED, US)


def _person_pairs(records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    persons = set(records.loc[records["company"].isna(), "id"])
    both = pairs["record_id_l"].isin(persons) & pairs["record_id_r"].isin(persons)
    return pairs[both & ~pairs["match_key"].astype(str).str.startswith("rule:")]


def test_a_mixed_model_round_trips_and_scores_person_pairs_with_its_person_model(mixed) -> None:  # type: ignore[no-untyped-def]
    records, first = mixed
    assert first.model is not None and first.model.person is not None
    saved = ModelParams.from_json(first.model.to_json())
    assert saved == first.model
    again = dedupe(records, MIXED, US, model=saved)
    a, b = _person_pairs(records, first.pairs), _person_pairs(records, again.pairs)
    assert len(a) > 10
    merged = a.merge(b, on=["record_id_l", "record_id_r"], suffixes=("", "_again"))
    assert len(merged) == len(a) == len(b)
    assert np.allclose(merged["match_weight"], merged["match_weight_again"], atol=1e-9)
    assert (first.clusters["cluster_id"].to_numpy() == again.clusters["cluster_id"].to_numpy()).all()
    # A model saved before person models were kept still loads, as a business-only model.
    old = ModelParams.from_json(replace(first.model, person=None).to_json())
    assert old.person is None and old.comparisons == first.model.comparisons


def test_single_record_matching_scores_person_pairs_with_the_person_model(mixed) -> None:  # type: ignore[no-untyped-def]
    records, first = mixed
    keys = dict(zip(first.clusters[RECORD_ID], first.clusters["cluster_id"], strict=True))
    index = GoldenIndex(records, keys, first.model, MIXED, US)
    by_id = {r[RECORD_ID]: r for r in index.records}
    pairs = _person_pairs(records, first.pairs).head(200)
    person_weights, business_weights, batch_weights = [], [], []
    for row in pairs.itertuples():
        left, right = by_id[row.record_id_l], by_id[row.record_id_r]
        try:
            weights = index.score(left, right).weight, index.scorer.score(left, right).weight
        except MatchingError:  # a level EM never saw in this small set (known limit of scoring.py)
            continue
        person_weights.append(weights[0])
        business_weights.append(weights[1])
        batch_weights.append(row.match_weight)
    assert len(person_weights) >= 10
    assert np.allclose(person_weights, batch_weights, atol=1e-9)
    assert not np.allclose(business_weights, batch_weights)  # the business model scores them otherwise
    person = records[records["company"].isna()].iloc[0].to_dict()
    found = match_record({**person, "id": "new"}, index)
    assert found.customer_key == keys[person["id"]]
