"""The pure rewrites of erasure: what a landed record becomes, and which values a sweep looks for."""

from __future__ import annotations

from pipeline.records import RawRecord
from warehouse.privacy.pseudonym import pseudonym, replace_values, rewrite_payload, sweep_values

CUSTOMER = {
    "Id": "26",
    "DisplayName": "Birmingham Inn Ltd",
    "GivenName": "Niamh",
    "PrimaryEmailAddr": {"Address": "niamh.okafor@birminghaminn.uk"},
    "PrimaryPhone": {"FreeFormNumber": "(0121) 488 2210"},
    "BillAddr": {"Line1": "172 Cross Road", "City": "Birmingham", "PostalCode": "B8 7LX"},
    "CurrencyRef": {"value": "GBP", "name": "British Pound Sterling"},
    "MetaData": {"CreateTime": "2025-08-27T15:08:21+00:00"},
    "Balance": 12.5,
}


def test_a_landed_record_keeps_its_keys_dates_and_amounts_and_loses_who_it_is() -> None:
    alias = pseudonym(26)
    rewritten = rewrite_payload(CUSTOMER, alias)
    assert rewritten == {
        "Id": "26",
        "DisplayName": alias,
        "GivenName": alias,
        "PrimaryEmailAddr": {"Address": ""},
        "PrimaryPhone": {"FreeFormNumber": ""},
        "BillAddr": {"Line1": alias, "City": "Birmingham", "PostalCode": ""},
        "CurrencyRef": {"value": "GBP", "name": "British Pound Sterling"},
        "MetaData": {"CreateTime": "2025-08-27T15:08:21+00:00"},
        "Balance": 12.5,
    }


def test_the_same_record_sent_again_rewrites_to_the_same_content_hash() -> None:
    alias = pseudonym(26)
    once = RawRecord("quickbooks", "Customer", "26", rewrite_payload(CUSTOMER, alias))
    again = RawRecord("quickbooks", "Customer", "26", rewrite_payload(dict(CUSTOMER), alias))
    assert once.content_hash() == again.content_hash()
    assert pseudonym(26) == alias and pseudonym(27) != alias and alias.startswith("erased-")


def test_the_sweep_skips_bare_words_and_replaces_in_any_case() -> None:
    values = sweep_values(["Niamh", "Birmingham Inn Ltd", "Ltd", "(0121) 488 2210", "erased-abc"])
    assert values == ["Birmingham Inn Ltd", "(0121) 488 2210"]
    assert replace_values("Met BIRMINGHAM INN LTD today", values, "erased-x") == "Met erased-x today"
