"""Which kept-apart pairs a steward sees: contested ones, not ones the records' own identifiers settle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.identity.review import review_pairs

IDENTIFIERS = pd.DataFrame(
    {
        # Numbers more than a keying slip apart: genuinely different phones.
        "phone_key": [
            "+441632960001",
            "+441632960001",
            "+442079461872",
            None,
            None,
            "+441174960333",
            "+441614960987",
            None,
            None,
        ],
        "email_domain": [None] * 9,
        "postcode": [None] * 9,
    },
    index=["a1", "a2", "b1", "b2", "c1", "d1", "e1", "f1", "g1"],
)
# clusters: A = a1 a2 (and the activity row c1, firmly), B = b1 b2, D, E, F, G alone
CLUSTER = {"a1": 0, "a2": 0, "c1": 0, "b1": 1, "b2": 1, "d1": 2, "e1": 3, "f1": 4, "g1": 5}


def _pairs(rows: list[tuple[str, str, float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["record_id_l", "record_id_r", "match_probability", "match_weight", "match_key"]
    )


def test_only_contested_pairs_without_a_direct_conflict_wait_for_a_steward() -> None:
    pairs = _pairs(
        [
            ("a1", "a2", 1.0, np.inf, "rule:phone"),  # inside A
            ("a1", "c1", 0.999, 20.0, "5"),  # c1's best link: 20 bits to A
            ("b1", "b2", 0.99, 12.0, "2"),  # inside B
            (
                "c1",
                "b2",
                0.95,
                9.0,
                "5",
            ),  # c1 -> B at 9 bits: 11 below its own best; b2's best is 12 -> contested
            ("a1", "b1", 0.999, 25.0, "5"),  # two phones: the records themselves disagree -> not in doubt
            ("a2", "b1", 1.0, np.inf, "rule:email"),  # same e-mail, different phones: a steward weighs it
            ("d1", "e1", 0.97, 10.0, "5"),  # both alone, but two phones
            ("f1", "g1", 0.93, 8.0, "5"),  # both alone, nothing disagrees
            ("f1", "b2", 0.5, 1.0, "5"),  # below review_from
        ]
    )
    out = review_pairs(pairs, CLUSTER, IDENTIFIERS, threshold=0.2, review_from=0.9)
    assert list(zip(out["record_id_l"], out["record_id_r"], strict=True)) == [
        ("a2", "b1"),
        ("c1", "b2"),
        ("f1", "g1"),
    ]


def test_an_uncontested_pair_is_left_out() -> None:
    pairs = _pairs(
        [("a1", "c1", 0.999, 30.0, "5"), ("b1", "b2", 0.999, 30.0, "5"), ("c1", "b2", 0.95, 9.0, "5")]
    )
    assert review_pairs(pairs, CLUSTER, None, threshold=0.2, review_from=0.9).empty
    assert len(review_pairs(pairs, CLUSTER, None, threshold=0.2, review_from=0.9, margin=25)) == 1
