"""Upsell propensity inputs: candidate pairs are only categories a customer has not bought, labels
look only after the cut-off, and the offer is the best of them."""

from __future__ import annotations

import pandas as pd
import pytest

from models.upsell import best_offer, best_sellers, candidate_pairs, upsell_label

CUTOFF = pd.Timestamp("2026-06-30")


def _sales() -> pd.DataFrame:
    rows = [
        (1, "2026-01-10", "Paper", "A4", 20.0),
        (1, "2026-03-10", "Tea", "Tea bags", 10.0),
        (2, "2026-02-01", "Paper", "A4", 30.0),
        (2, "2026-07-15", "Tea", "Coffee", 12.0),  # after the cut-off: the label, never a feature
        (3, "2026-05-05", "Paper", "Pens", 50.0),
        (3, "2026-06-01", "Gloves", "Nitrile", 15.0),
        (4, "2026-08-01", "Tea", "Tea bags", 5.0),  # first purchase after the cut-off: no pairs
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "category", "product", "amount"])
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["office", "office", "retail", None]})


def test_pairs_are_the_categories_each_customer_has_not_bought() -> None:
    x = candidate_pairs(_sales(), _customers(), CUTOFF)
    assert list(x.index) == [(1, "Gloves"), (2, "Gloves"), (2, "Tea"), (3, "Tea")]
    assert x.loc[(2, "Tea"), "orders"] == 1.0 and x.loc[(3, "Tea"), "categories_bought"] == 2.0
    # Half of the office segment's buyers (customer 1 of 1 and 2) bought Tea by the cut-off.
    assert x.loc[(2, "Tea"), "segment_uptake"] == pytest.approx(0.5)
    assert x.loc[(2, "Tea"), "category_Tea"] == 1.0 and x.loc[(2, "Tea"), "category_Gloves"] == 0.0


def test_label_is_a_purchase_of_the_category_after_the_cutoff() -> None:
    x = candidate_pairs(_sales(), _customers(), CUTOFF)
    y = upsell_label(_sales(), x.index, CUTOFF, 90)
    assert y.to_dict() == {(1, "Gloves"): 0, (2, "Gloves"): 0, (2, "Tea"): 1, (3, "Tea"): 0}


def test_best_offer_and_the_product_it_leads_with() -> None:
    proba = pd.Series(
        [0.2, 0.1, 0.7, 0.3],
        index=pd.MultiIndex.from_tuples(
            [(1, "Gloves"), (2, "Gloves"), (2, "Tea"), (3, "Tea")], names=["customer_id", "category"]
        ),
    )
    offer = best_offer(proba)
    assert offer.loc[2, "upsell_category"] == "Tea" and offer.loc[2, "upsell_propensity"] == 0.7
    leads = best_sellers(_sales(), _customers())
    assert leads[("office", "Tea")] == "Coffee" and leads[("Unassigned", "Tea")] == "Tea bags"
