"""The recordlinkage baseline with combined-key blocking: fewer candidate pairs, duplicates still found."""

from __future__ import annotations

from pipeline.identity import BaselineSettings, FieldMap, baseline_dedupe
from pipeline.identity.evaluate import score
from pipeline.identity.synthetic import synthetic_records

FIELDS = FieldMap.identity(
    ["given_name", "family_name", "business_name", "email", "phone", "street", "city", "postcode",
     "state", "date_of_birth", "source_id"],
    record_id="record_id",
)  # fmt: skip


def test_combined_blocking_still_finds_the_duplicates_of_a_synthetic_set() -> None:
    df = synthetic_records(3000, seed=5)
    truth = df[["record_id", "entity_id"]]
    single = score(baseline_dedupe(df, FIELDS, BaselineSettings(region="AU")), truth)
    combined = score(baseline_dedupe(df, FIELDS, BaselineSettings(region="AU", blocking="combined")), truth)
    assert combined.f1 > 0.9
    assert combined.precision >= single.precision - 0.02
