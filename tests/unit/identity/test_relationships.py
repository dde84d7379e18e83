"""The pure relationship rules: what a record gives its customer, and the pairs shared values, referrals and
mentions make."""

from __future__ import annotations

import random

from pipeline.identity.relationships import (
    HANDLE,
    MAX_HOLDERS,
    NAME,
    Relationship,
    customer_values,
    mention_relationships,
    referral_notes,
    referral_relationships,
    referrers,
    shared_value_relationships,
)


def test_a_record_gives_its_customer_standardised_values_names_and_its_handle() -> None:
    record = {
        "company_name": "Carter Consulting Ltd",
        "given_name": "Isla",
        "family_name": "Price",
        "email": "Isla@CarterConsulting.co.uk",
        "phone": "+441273552247",
        "street": "12 High Street",
        "postcode": "bn1 1aa",
        "country": "GB",
        "website": "https://www.carterconsulting.co.uk/about",
        "instagram_handle": "CarterConsults",
    }
    values = customer_values(record)
    kinds = {kind for kind, _ in values}
    assert {"shared_phone", "shared_address", "web_domain", "shared_contact", NAME, HANDLE} == kinds
    assert ("shared_phone", "+441273552247") in values
    assert ("web_domain", "carterconsulting.co.uk") in values
    assert ("shared_contact", "isla price") in values
    assert (HANDLE, "carterconsults") in values and (NAME, "@carterconsults") in values
    assert (NAME, "isla@carterconsulting.co.uk") in values

    free_mail = customer_values({"email": "someone@gmail.com", "given_name": "J", "family_name": "Price"})
    assert not {kind for kind, _ in free_mail} & {"web_domain", "shared_contact"}, "free mail, an initial"


def test_shared_values_make_pairs_weaker_the_more_customers_hold_them() -> None:
    groups = [
        ("shared_phone", "+441273552247", {1, 2}),
        ("shared_contact", "isla price", {1, 2, 3, 4}),
        ("shared_address", "1 busy road, ab1 2cd", set(range(10, 11 + MAX_HOLDERS))),  # too many: skipped
        ("web_domain", "lonely.example", {5}),
    ]
    found = {(r.customer_key_a, r.customer_key_b, r.kind): r for r in shared_value_relationships(groups)}
    assert found[(1, 2, "shared_phone")] == Relationship(1, 2, "shared_phone", 0.9, "phone +441273552247")
    assert found[(3, 4, "shared_contact")].strength == 0.3
    assert found[(3, 4, "shared_contact")].evidence == "contact isla price (held by 4 customers)"
    assert len(found) == 1 + 6, "one phone pair and the six pairs of four contacts; nothing else"


def test_pairs_do_not_depend_on_the_order_of_the_groups() -> None:
    """A pair sharing two values of one kind keeps the stronger; among equals, the first in (kind, value)
    order, however the groups come (the batch reads them in digest order)."""
    groups = [
        ("shared_address", "2 mill lane, ab1 2cd", {7, 8}),
        ("shared_address", "1 mill lane, ab1 2cd", {7, 8}),
        ("shared_address", "3 mill lane, ab1 2cd", {7, 8, 9}),
    ]
    expected = shared_value_relationships(groups)
    for seed in range(5):
        shuffled = groups[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shared_value_relationships(shuffled), key=repr) == sorted(expected, key=repr)
    pair = next(r for r in expected if (r.customer_key_a, r.customer_key_b) == (7, 8))
    assert pair.evidence == "address 1 mill lane, ab1 2cd"


def test_a_referral_names_its_referrer_by_name_e_mail_or_handle() -> None:
    assert "carter consulting" in referrers("Referred by Carter Consulting Ltd.")
    assert "isla@carterconsulting.co.uk" in referrers("isla@carterconsulting.co.uk")
    names = {"carter consulting": {2}, "@bakehouse": {3}, "twin": {4, 5}}
    found = referral_relationships(
        [(1, "Referred by Carter Consulting Ltd."), (6, "@bakehouse"), (7, "twin"), (2, "Carter Consulting")],
        names,
    )
    pairs = {(r.customer_key_a, r.customer_key_b): r.strength for r in found}
    assert pairs == {(1, 2): 0.9, (3, 6): 0.9, (4, 7): 0.45, (5, 7): 0.45}, (
        "none to itself; a shared name splits"
    )


def test_mentions_count_up_and_reach_every_customer_showing_the_handle() -> None:
    handles = {"bakehouse": {3}, "twins": {4, 5}, "me": {1}}
    texts = [(1, "Lovely bread from @bakehouse!"), (1, "@BakeHouse again"), (1, "hi @twins"), (1, "@me")]
    found = {(r.customer_key_a, r.customer_key_b): r.strength for r in mention_relationships(handles, texts)}
    assert found == {(1, 3): 0.6, (1, 4): 0.5, (1, 5): 0.5}


def test_referral_notes_are_the_top_level_texts_that_name_a_referral_whatever_the_record_holds() -> None:
    payload = {
        "Referred By": "Carter Consulting",
        "Notes": "Met at the fair; referred by @bakehouse.",
        "PreferredDeliveryMethod": "Print",  # "referr" inside a word is not a referral field
        "ReferralSource": "",  # empty: nothing to resolve
        "Lines": [{"Notes": "referred by someone"}],  # only top-level fields are notes
        "Amount": 12.5,
    }
    assert referral_notes(payload) == ["Carter Consulting", "Met at the fair; referred by @bakehouse."]
    assert referral_notes(["referred by X"]) == [] and referral_notes(None) == [] and referral_notes({}) == []
