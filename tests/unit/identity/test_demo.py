"""The engine resolves the demo data's business records (a small generated world) against its truth file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.identity import FieldMap, InputDataError, dedupe
from pipeline.identity.customers import CUSTOMER_SETTINGS
from pipeline.identity.evaluate import evaluate_demo, truth_pairs

#: Measured on this world (400 customers, seed 7): precision 0.9996, recall 0.9930, F1 0.9963.
F1_BOUND = 0.97
PRECISION_BOUND = 0.98


def test_demo_records_resolve_against_truth(tmp_path: Path) -> None:
    import datetime as dt

    from pipeline.demo_data.generate import Options, generate

    generate(tmp_path, Options(customers=400, seed=7, end=dt.date(2026, 11, 27)))
    ev = evaluate_demo(tmp_path, with_baseline=False)
    assert ev.records > 1000
    assert ev.engine.f1 > F1_BOUND, ev.engine
    assert ev.engine.precision > PRECISION_BOUND, ev.engine


def test_same_trading_name_with_different_phones_stays_apart() -> None:
    rows = pd.DataFrame(
        {
            "id": ["qb1", "qb2", "act1", "act2", "act3"],
            "biz": [
                "London Bakery Ltd",
                "London Bakery Limited",
                "London Bakery",
                "LONDON BAKERY",
                "London Bakery",
            ],
            "mail": [
                "info@londonbakery.co.uk",
                "info@londonbakery.co.uk",
                None,
                None,
                "info@londonbakery.co.uk",
            ],
            "tel": ["020 7946 0123", "020 8123 4567", None, None, None],
            "pc": ["EC1 2AB", "SW9 8XY", None, None, None],
        }
    )
    fields = FieldMap(record_id="id", business_name="biz", email="mail", phone="tel", postcode="pc")
    res = dedupe(rows, fields, CUSTOMER_SETTINGS)
    cluster = dict(zip(res.clusters["record_id"], res.clusters["cluster_id"], strict=True))
    assert cluster["qb1"] != cluster["qb2"]  # a shared info@ address does not merge two businesses
    assert {cluster["act1"], cluster["act2"]} <= {cluster["qb1"], cluster["qb2"]}  # name-only rows pick one


def test_truth_with_two_entities_for_one_record_is_rejected() -> None:
    truth = pd.DataFrame({"record_id": ["quickbooks|1", "quickbooks|1"], "entity_id": ["C1", "C6"]})
    with pytest.raises(InputDataError, match="quickbooks\\|1"):
        truth_pairs(truth)


def test_scoring_on_more_threads_changes_no_pair_and_no_cluster(tmp_path: Path) -> None:
    """Pairs come back in a fixed order whatever the number of DuckDB threads that scored them, so ties in
    the clustering break the same way and a batch on another machine (or a busier one) moves no record."""
    import datetime as dt
    from dataclasses import replace

    from pandas.testing import assert_frame_equal

    from pipeline.demo_data.generate import Options, generate
    from pipeline.identity.customers import CUSTOMER_FIELDS, customer_frame, demo_customer_rows
    from pipeline.quality.locale import home_locale

    generate(tmp_path, Options(customers=1500, seed=11, end=dt.date(2026, 11, 27)))
    records = customer_frame(demo_customer_rows(tmp_path, home_locale()))
    one, four = (
        dedupe(records, CUSTOMER_FIELDS, replace(CUSTOMER_SETTINGS, predict_threads=n)) for n in (1, 4)
    )
    assert len(one.pairs) > 10_000
    assert_frame_equal(one.pairs, four.pairs, check_exact=True)  # the same pairs, scores and order
    assert_frame_equal(one.clusters, four.clusters)
