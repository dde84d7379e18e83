"""QuickBooks API mode against recorded bodies of the real service (tests/data/quickbooks/SOURCES.md).

The local server answers with the recorded pages and faults unchanged; the reader and the stager must
produce exactly the rows below.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.http import AuthenticationFailed, InvalidRequest
from pipeline.connectors.position import MemoryPosition
from pipeline.connectors.quickbooks import read_api, stage_api
from pipeline.connectors.quickbooks.client import client_from_config
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, SourceConfig, StagedRow
from tests.integration.connectors.conftest import FakeClock
from tests.integration.connectors.qbo_server import DATA, REALM, QboServer
from tests.integration.connectors.servers import Reply
from warehouse.schema.core import UNIDENTIFIED_SOURCE_KEY

JSON = {"Content-Type": "application/json"}


def recorded(name: str) -> str:
    return (DATA / name).read_text("utf-8")


@pytest.fixture
def real_qbo() -> Iterator[QboServer]:
    """A local QuickBooks that answers queries with the recorded pages (later pages: the recorded empty page)."""
    pages = {
        ("Customer", 1): recorded("customer-page-1.json"),
        ("Invoice", 1): recorded("invoice-page-1.json"),
    }
    server = QboServer({}, recorded=pages).start()
    yield server
    server.stop()


@pytest.fixture
def real_source(real_qbo: QboServer, qbo_env: None, tmp_path: Path) -> SourceConfig:
    http = {"rate": 500.0, "burst": 20, "retries": 2, "backoff_base": 0.1}
    return source_for(real_qbo, tmp_path, ["Customer", "Invoice"], page_size=3, http=http)


def source_for(
    server: QboServer, tmp_path: Path, entities: list[str], page_size: int, **extra: Any
) -> SourceConfig:
    """The API source reading ``entities`` from the local QuickBooks ``server``."""
    options: dict[str, Any] = {
        "lawful_basis": "contract",
        "terms_of_service": "Intuit developer terms; our own company file",
        "realm_id": REALM,
        "discovery_url": f"{server.url}/.well-known/openid_configuration",
        "base_url": f"{server.url}/v3",
        "token_path": str(tmp_path / "secrets" / "qbo.qbo-token"),
        "entities": entities,
        "page_size": page_size,
        **extra,
    }
    return SourceConfig(name="qbo", type="quickbooks_api", options=options)


def read(source: SourceConfig, clock: FakeClock) -> tuple[list[RawRecord], str]:
    position = MemoryPosition()
    records = list(read_api(source, position, clock=clock, sleep=clock.sleep))
    return records, position.saves[0]


def test_recorded_pages_are_read_whole_and_the_empty_page_ends_the_entity(
    real_qbo: QboServer, real_source: SourceConfig, clock: FakeClock
) -> None:
    records, mark = read(real_source, clock)
    assert [(r.entity, r.source_key) for r in records] == [
        ("Customer", "1"), ("Customer", "2"), ("Customer", "4"), ("Invoice", "67"), ("Invoice", "9"),
    ]  # fmt: skip
    customers = json.loads(recorded("customer-page-1.json"))["QueryResponse"]["Customer"]
    assert [r.payload for r in records[:3]] == customers  # as sent, nulls and all
    queries = [r.body.decode() for r in real_qbo.requests("/query")]
    assert queries == [
        "select * from Customer STARTPOSITION 1 MAXRESULTS 3",
        "select * from Customer STARTPOSITION 4 MAXRESULTS 3",  # answered with {"QueryResponse": {}}
        "select * from Invoice STARTPOSITION 1 MAXRESULTS 3",
    ]
    # the watermark is the first response's server time, -07:00 kept as an instant
    assert json.loads(mark) == {"changed_since": "2020-04-22T13:41:14.023000-07:00"}


def test_recorded_invoices_stage_exactly_these_sales_lines(
    real_source: SourceConfig, clock: FakeClock
) -> None:
    records, _ = read(real_source, clock)
    rows = [row for r in records if r.entity == "Invoice" for row in stage_api(r, Locale("US", "USD"))]
    line = {"sales_rep": None, "channel": None, "customer_source_key": "1", "doc_type": "invoice",
            "currency": "USD", "exchange_rate": None, "terms": "3"}  # fmt: skip
    assert rows == [
        StagedRow("stg_sales_line", {**line, "doc_key": "67", "line_no": 1, "doc_number": "1021",
                  "txn_date": dt.date(2020, 2, 16), "product_source_key": "15", "quantity": 15.0,
                  "unit_price": 10.0, "amount": 150.0, "doc_amount": 150.0}),
        StagedRow("stg_sales_line", {**line, "doc_key": "67", "line_no": 2, "doc_number": "1021",
                  "txn_date": dt.date(2020, 2, 16), "product_source_key": "5", "quantity": 1.0,
                  "unit_price": 275.0, "amount": 275.0, "doc_amount": 275.0}),
        StagedRow("stg_sales_line", {**line, "doc_key": "9", "line_no": 1, "doc_number": "1001",
                  "txn_date": dt.date(2020, 3, 6), "product_source_key": "6", "quantity": 4.0,
                  "unit_price": 25.0, "amount": 100.0, "doc_amount": 100.0}),
    ]  # fmt: skip


def test_recorded_customers_stage_exactly_these_rows(real_source: SourceConfig, clock: FakeClock) -> None:
    records, _ = read(real_source, clock)
    # a US company: its home country is US; the recorded addresses name no country, so phones and ZIP codes
    # are read as the company's own country's, and nothing is flagged
    stage = CONNECTORS["quickbooks_api"].stager_for(real_source, home=Locale("US", "USD"))
    staged = [row for r in records if r.entity == "Customer" for row in stage(r)]
    assert [row.table for row in staged] == ["stg_customer"] * 3
    rows = [row.values for row in staged]
    common = {"entity": "Customer", "region": "CA", "country": None, "website": None, "segment": None,
              "is_active": True, "mobile": None, "parent_source_key": None, "terms": None}  # fmt: skip
    assert rows == [
        {**common, "source_key": "1", "display_name": "Amy's Bird Sanctuary", "company_name": "Amy's Bird Sanctuary",
         "given_name": "Amy", "family_name": "Lauterbach", "email": "birds@intuit.com", "phone": "+16505553311",
         "street": "4581 Finch St.", "city": "Bayshore", "postcode": "94326",
         "created_at": dt.datetime(2020, 3, 2, 0, 48, 43), "updated_at": dt.datetime(2020, 3, 8, 20, 39, 32),
         "balance": 239.0, "ship_address": "4581 Finch St., Bayshore, CA, 94326"},
        {**common, "source_key": "2", "display_name": "Bill's Windsurf Shop", "company_name": "Bill's Windsurf Shop",
         "given_name": "Bill", "family_name": "Lucchini", "email": "surf@intuit.com", "phone": "+14154446538",
         "street": "12 Ocean Dr.", "city": "Half Moon Bay", "postcode": "94213",
         "created_at": dt.datetime(2020, 3, 2, 0, 49, 28), "updated_at": dt.datetime(2020, 3, 8, 19, 56, 1),
         "balance": 85.0, "ship_address": None},
        {**common, "source_key": "4", "display_name": "Diego Rodriguez", "company_name": None,
         "given_name": "Diego", "family_name": "Rodriguez", "email": "diego@rodriguez.com", "phone": "+16505554477",
         "street": "321 Channing", "city": "Palo Alto", "postcode": "94303",
         "created_at": dt.datetime(2020, 3, 2, 0, 52, 8), "updated_at": dt.datetime(2020, 3, 2, 0, 52, 8),
         "balance": 0.0, "ship_address": None},
    ]  # fmt: skip


@pytest.mark.parametrize("body", ["fault-6240-capitalised.json", "fault-6240-lowercase.json"])
def test_a_recorded_duplicate_name_fault_is_an_invalid_request_in_either_spelling(
    real_qbo: QboServer, real_source: SourceConfig, clock: FakeClock, tmp_path: Path, body: str
) -> None:
    client = client_from_config(real_source, tmp_path, clock=clock, sleep=clock.sleep)
    real_qbo.inject("/query", [Reply(400, recorded(body), JSON)])
    with pytest.raises(
        InvalidRequest, match=r"ValidationFault 6240: Duplicate Name Exists Error The name supplied"
    ):
        client.query("select * from Customer STARTPOSITION 1 MAXRESULTS 3")


def test_the_gateway_401_in_lower_case_refreshes_the_token_once_then_stops(
    real_qbo: QboServer, real_source: SourceConfig, clock: FakeClock
) -> None:
    read(real_source, clock)  # tokens issued and stored
    real_qbo.expire_tokens()
    records, _ = read(real_source, clock)
    assert len(records) == 5
    assert real_qbo.refresh_token == "rt-2"
    refused = [Reply(401, recorded("fault-401-lowercase.json"), JSON)] * 2
    real_qbo.inject("/query", refused)
    with pytest.raises(AuthenticationFailed, match="freshly refreshed token.*AUTHENTICATION 3200"):
        read(real_source, clock)


def us_phone(text: str) -> str:
    """A US number as written in the recording, "(650) 555-3311", in E.164."""
    return "+1" + "".join(ch for ch in text if ch.isdigit())


def test_every_customer_of_a_recorded_us_sandbox_company_stages_with_phone_email_and_address(
    qbo_env: None, tmp_path: Path, clock: FakeClock
) -> None:
    body = recorded("customer-query-41.json")
    server = QboServer({}, recorded={("Customer", 1): body}).start()
    try:
        source = source_for(server, tmp_path, ["Customer"], page_size=1000)
        records, _ = read(source, clock)
    finally:
        server.stop()
    sent = json.loads(body)["QueryResponse"]["Customer"]
    stage = CONNECTORS["quickbooks_api"].stager_for(source, home=Locale("US", "USD"))
    staged = {row.values["source_key"]: row.values for r in records for row in stage(r)}
    assert len(records) == len(sent) == 41
    assert sorted(staged) == sorted(c["Id"] for c in sent)  # every customer stages; none is rejected
    for customer in sent:
        row, bill = staged[customer["Id"]], customer.get("BillAddr", {})
        assert row["display_name"] == customer["DisplayName"]
        assert row["phone"] == (
            us_phone(customer["PrimaryPhone"]["FreeFormNumber"]) if "PrimaryPhone" in customer else None
        )
        assert row["mobile"] == (
            us_phone(customer["Mobile"]["FreeFormNumber"]) if "Mobile" in customer else None
        )
        assert row["email"] == (
            customer["PrimaryEmailAddr"]["Address"].lower() if "PrimaryEmailAddr" in customer else None
        )
        assert (row["street"], row["city"], row["postcode"]) == (
            bill.get("Line1"),
            bill.get("City"),
            bill.get("PostalCode"),
        )
        assert row["parent_source_key"] == customer.get("ParentRef", {}).get("value")
        assert row["balance"] == customer["Balance"]


def test_recorded_sales_receipts_stage_their_totals_net_of_discount_and_a_walk_in_sale_without_a_customer(
    qbo_env: None, tmp_path: Path, clock: FakeClock
) -> None:
    body = recorded("sales-receipt-query-4.json")
    server = QboServer({}, recorded={("SalesReceipt", 1): body}).start()
    try:
        records, _ = read(source_for(server, tmp_path, ["SalesReceipt"], page_size=1000), clock)
    finally:
        server.stop()
    sent = json.loads(body)["QueryResponse"]["SalesReceipt"]
    lines = [row.values for r in records for row in stage_api(r, Locale("US", "USD"))]
    for receipt in sent:
        mine = [line for line in lines if line["doc_key"] == receipt["Id"]]
        net = receipt["TotalAmt"] - receipt["TxnTaxDetail"]["TotalTax"]
        assert round(sum(line["amount"] for line in mine), 2) == net, receipt["Id"]
        customer = receipt.get("CustomerRef", {}).get("value", UNIDENTIFIED_SOURCE_KEY)  # a walk-in sale
        assert {line["customer_source_key"] for line in mine} == {customer}
        assert {line["currency"] for line in mine} == {"USD"}
    assert (
        round(sum(line["amount"] for line in lines), 2) == 893.75
    )  # 337.50 + 337.50 + 140.00 + 87.50 - 8.75
