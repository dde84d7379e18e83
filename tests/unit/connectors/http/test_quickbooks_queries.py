"""QuickBooks request builders and response readers, by exact output."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.connectors.quickbooks import queries
from pipeline.connectors.quickbooks.api import stage_api
from pipeline.quality.locale import Locale
from pipeline.records import Deleted, RawRecord, Rejected

UK = Locale("GB", "GBP")


def test_select_page_is_the_documented_query_text() -> None:
    assert queries.select_page("Customer", 1, 100) == "select * from Customer STARTPOSITION 1 MAXRESULTS 100"
    with pytest.raises(ValueError):
        queries.select_page("Customer", 0, 100)
    with pytest.raises(ValueError):
        queries.select_page("Customer; drop", 1, 100)
    assert queries.cdc_entities(["Customer", "Invoice"]) == "Customer,Invoice"


def test_cdc_objects_reads_changes_and_tombstones_per_entity() -> None:
    body = {"CDCResponse": [{"QueryResponse": [
        {"Customer": [{"Id": "1"}, {"Id": "2", "status": "Deleted"}], "startPosition": 1},
        {"Invoice": [{"Id": "9"}]},
    ]}], "time": "2025-01-01T00:00:00Z"}  # fmt: skip
    found = queries.cdc_objects(body, ["Customer", "Invoice", "Item"])
    assert found == {
        "Customer": [{"Id": "1"}, {"Id": "2", "status": "Deleted"}],
        "Invoice": [{"Id": "9"}],
        "Item": [],
    }
    assert queries.is_deleted(found["Customer"][1]) and not queries.is_deleted(found["Customer"][0])
    assert queries.page_objects({"QueryResponse": {"startPosition": 1}}, "Customer") == []


def test_watermark_round_trips_and_falls_back_to_a_full_load() -> None:
    mark = queries.Watermark("2025-06-01T00:00:00+00:00")
    assert queries.Watermark.decode(mark.encode()) == mark
    assert queries.Watermark.decode("not json") == queries.Watermark()
    now = dt.datetime(2025, 6, 20, tzinfo=dt.UTC)
    assert not mark.needs_full_load(now)
    assert mark.needs_full_load(now + dt.timedelta(days=30))  # beyond CDC's 30-day reach
    assert queries.Watermark().needs_full_load(now)


def test_api_stager_handles_deletions_estimates_and_credit_memos() -> None:
    with pytest.raises(Deleted, match="Customer 5 was deleted in QuickBooks"):
        stage_api(RawRecord("qbo", "Customer", "5", {"Id": "5", "status": "Deleted", "MetaData": {}}), UK)
    estimate = {"Id": "1", "DocNumber": "E-1", "TxnDate": "2025-01-02", "TotalAmt": 150.5,
                "TxnStatus": "Pending", "CustomerRef": {"value": "8"}}  # fmt: skip
    [quote] = stage_api(RawRecord("qbo", "Estimate", "1", estimate), UK)
    assert quote.table == "stg_interaction"
    assert (quote.values["kind"], quote.values["customer_source"], quote.values["customer_source_key"]) == (
        "quote",
        "qbo",
        "8",
    )
    assert quote.values["text"] == "Estimate E-1: 150.50 (Pending)"
    with pytest.raises(Rejected, match="TxnDate is required"):
        stage_api(RawRecord("qbo", "Estimate", "2", {"Id": "2", "CustomerRef": {"value": "8"}}), UK)
    memo = {"Id": "3", "TxnDate": "2025-01-02", "CustomerRef": {"value": "8"}, "Line": [
        {"Amount": 20.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 2, "UnitPrice": 10}}]}  # fmt: skip
    [row] = stage_api(RawRecord("qbo", "CreditMemo", "3", memo), UK)
    assert (row.values["doc_type"], row.values["quantity"], row.values["amount"]) == (
        "credit_memo",
        -2.0,
        -20.0,
    )
