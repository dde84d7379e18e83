"""QuickBooks documents stage as lines that add up to their totals, in the home currency and their own.

The bodies are Intuit's sandbox company: the recorded invoice page and the documents built from Intuit's
Invoice, SalesReceipt, Payment and Customer references (tests/data/quickbooks/SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.quickbooks import stage, stage_api
from pipeline.money import split
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, SourceConfig
from warehouse.schema import UNIDENTIFIED_SOURCE_KEY

US = Locale("US", "USD")  # the sandbox company's home

DATA = Path(__file__).resolve().parents[2] / "data" / "quickbooks"
DOCS = json.loads((DATA / "money-documents.json").read_text("utf-8"))
RECORDED = json.loads((DATA / "invoice-page-1.json").read_text("utf-8"))["QueryResponse"]["Invoice"]


def doc(entity: str, key: str) -> dict[str, Any]:
    return next(d for d in (*DOCS[entity], *RECORDED) if d["Id"] == key)


def lines(entity: str, key: str) -> list[dict[str, Any]]:
    return [dict(r.values) for r in stage(RawRecord("qbo", entity, key, doc(entity, key)), US)]


def money_of(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    cols = ("line_no", "product_source_key", "quantity", "unit_price", "doc_amount", "amount")
    return [tuple(r[c] for c in cols) for r in rows]


def test_a_percent_discount_is_shared_over_the_lines_above_it_and_tax_is_not_revenue() -> None:
    rows = lines("Invoice", "130")  # 275 + 150, 10% off (42.50), 8% tax after discount: 413.10
    assert money_of(rows) == [(1, "5", 1.0, 275.0, 247.5, 247.5), (2, "15", 15.0, 10.0, 135.0, 135.0)]
    assert {(r["currency"], r["exchange_rate"], r["terms"]) for r in rows} == {("USD", None, "3")}
    assert (
        round(sum(r["amount"] for r in rows) + doc("Invoice", "130")["TxnTaxDetail"]["TotalTax"], 2) == 413.1
    )


def test_a_document_with_only_a_subtotal_is_one_line_for_its_total() -> None:
    assert money_of(lines("Invoice", "131")) == [(1, None, 1.0, 50.0, 50.0, 50.0)]


def test_a_walk_in_receipt_is_a_sale_to_the_unidentified_customer_with_its_shipping() -> None:
    rows = lines("SalesReceipt", "140")
    assert money_of(rows) == [(1, "6", 2.0, 25.0, 50.0, 50.0), (2, "SHIPPING_ITEM_ID", 1.0, 10.0, 10.0, 10.0)]
    assert {(r["doc_type"], r["customer_source_key"]) for r in rows} == {
        ("sales_receipt", UNIDENTIFIED_SOURCE_KEY)
    }


def test_a_foreign_currency_invoice_converts_to_the_home_total_to_the_cent() -> None:
    rows = lines("Invoice", "150")  # CAD 210.00 incl. 10.00 tax at 0.7352: HomeTotalAmt 154.39
    assert money_of(rows) == [(1, "5", 1.0, 88.22, 120.0, 88.22), (2, "6", 2.0, 29.41, 80.0, 58.82)]
    assert {(r["currency"], r["exchange_rate"]) for r in rows} == {("CAD", 0.7352)}
    assert round(sum(r["amount"] for r in rows), 2) == round(154.39 - round(10.0 * 0.7352, 2), 2)


def test_a_document_whose_lines_do_not_add_up_is_rejected_with_the_difference() -> None:
    with pytest.raises(Rejected, match=r"TotalAmt 189.50 is not the lines' 100.00 .*difference \+89.50") as e:
        lines("Invoice", "160")
    assert (e.value.rule, e.value.field) == ("unbalanced", "TotalAmt")


def test_the_recorded_invoices_still_reconcile_with_their_tax() -> None:
    assert [round(sum(r["amount"] for r in lines("Invoice", k)), 2) for k in ("67", "9")] == [425.0, 100.0]


def test_a_payment_keeps_its_method_reference_and_converts_to_the_home_currency() -> None:
    [by_ref] = [dict(r.values) for r in stage(RawRecord("qbo", "Payment", "170", doc("Payment", "170")), US)]
    assert (by_ref["method"], by_ref["method_ref"], by_ref["amount"], by_ref["currency"]) == (
        "2",
        "2",
        220.0,
        "USD",
    )
    [cad] = [dict(r.values) for r in stage(RawRecord("qbo", "Payment", "171", doc("Payment", "171")), US)]
    assert cad == {
        "source_key": "171", "txn_date": dt.date(2020, 3, 21), "customer_source_key": "2", "amount": 154.39,
        "method": "Cash", "method_ref": "1", "currency": "CAD", "exchange_rate": 0.7352, "doc_amount": 210.0,
    }  # fmt: skip


def test_a_sub_customer_keeps_its_parent_balance_and_shipping_address() -> None:
    [row] = stage(RawRecord("qbo", "Customer", "8", doc("Customer", "8")), US)
    extras = {k: row.values[k] for k in ("parent_source_key", "balance", "ship_address", "terms", "mobile")}
    assert extras == {
        "parent_source_key": "7", "balance": 562.5, "ship_address": "0969 Ocean View Road, Middlefield, CA, 94303",
        "terms": None, "mobile": None,
    }  # fmt: skip


def test_a_mobile_is_staged_beside_the_main_phone() -> None:
    customer = {"Id": "9", "DisplayName": "Hughes & Sons", "PrimaryPhone": {"FreeFormNumber": "020 7946 0123"},
                "Mobile": {"FreeFormNumber": "07911 123456"}, "SalesTermRef": {"value": "3", "name": "Net 30"}}  # fmt: skip
    [row] = stage(RawRecord("qbo", "Customer", "9", customer), Locale("GB", "GBP"))  # a UK customer
    assert (row.values["phone"], row.values["mobile"], row.values["terms"]) == (
        "+442079460123",
        "+447911123456",
        "Net 30",
    )


def test_a_credit_memo_takes_back_its_amount_in_both_currencies() -> None:
    memo = doc("Invoice", "150") | {"Id": "180"}
    rows = [dict(r.values) for r in stage_api(RawRecord("qbo", "CreditMemo", "180", memo), US)]
    assert [(r["doc_amount"], r["amount"]) for r in rows] == [(-120.0, -88.22), (-80.0, -58.82)]


def test_split_shares_cents_so_the_parts_add_up_exactly() -> None:
    assert split(10.0, [1, 1, 1]) == [3.34, 3.33, 3.33]
    assert split(147.04, [120.0, 80.0]) == [88.22, 58.82]
    assert split(-42.5, [275.0, 150.0]) == [-27.5, -15.0]


def test_a_payment_method_stages_its_name_kind_and_whether_it_is_active() -> None:
    page = json.loads((DATA / "payment-methods.json").read_text("utf-8"))
    diners = next(m for m in page["QueryResponse"]["PaymentMethod"] if m["Id"] == "7")
    rows = CONNECTORS["quickbooks_export"].stage(RawRecord("qb", "PaymentMethod", "7", diners))
    assert [(r.table, r.values) for r in rows] == [
        (
            "stg_payment_method",
            {"source_key": "7", "name": "Diners Club", "kind": "CREDIT_CARD", "is_active": True},
        )
    ]


def test_a_source_in_dollars_stages_documents_without_a_currency_as_dollars() -> None:
    source = SourceConfig("qb_us", "quickbooks_export", None, {"country": "US", "currency": "USD"})
    stager = CONNECTORS["quickbooks_export"].stager_for(source, Locale("GB", "GBP"))
    payment = {"Id": "5", "TxnDate": "2025-04-01", "CustomerRef": {"value": "1"}, "TotalAmt": 20.0}
    (row,) = stager(RawRecord("qb_us", "Payment", "5", payment))
    assert (row.values["amount"], row.values["currency"], row.values["exchange_rate"]) == (20.0, "USD", None)
