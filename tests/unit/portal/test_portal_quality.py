"""The data-quality page: profiles with drift against the last batch, quarantined records, and who may see them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from components import deletions as deletions_view
from components import ids
from components import quality as view
from components.access import may_open
from components.shell import navbar
from pipeline import deletions, ops
from pipeline.connectors.changes import tombstone
from tests.unit.portal.portal_data import (
    build_portal_warehouse,
    call_callback,
    portal_settings,
    post_callback,
    sign_in,
)
from warehouse import quality_queries as queries
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import ops_profile, stg_field_flag, stg_reject
from warehouse.users import PortalUser


def profile(
    batch: int, column: str, nulls: int, shapes: list[tuple[str, int]], rows: int = 100
) -> dict[str, Any]:
    return {
        "batch_id": batch, "source": "quickbooks", "table_name": "stg_customer", "column_name": column,
        "row_count": rows, "nulls": nulls, "distinct_values": rows - nulls, "min_value": "5", "max_value": "20",
        "top_patterns": json.dumps(shapes),
    }  # fmt: skip


def texts(component: Any) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


@pytest.fixture
def profiled(tmp_path: Path) -> Warehouse:
    """Two batches: the phone column changed shape and the e-mail column filled with nulls in the second."""
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    warehouse.create_all()
    with warehouse.begin() as conn:
        insert_rows(conn, ops_profile, [
            profile(1, "phone", 0, [["+99999999999", 90]]), profile(1, "email", 5, [["aaaa@aaaa.aaa", 60]]),
            profile(1, "city", 0, [["Aaaaaa", 50]]),
            profile(2, "phone", 0, [["99999 999999", 80]]), profile(2, "email", 40, [["aaaa@aaaa.aaa", 40]]),
            profile(2, "city", 2, [["Aaaaaa", 51]]), profile(2, "fax", 100, []),
        ])  # fmt: skip
        insert_rows(conn, stg_reject, [
            {"source": "quickbooks", "entity": "Customer", "record_key": str(k), "rule": "email_format",
             "field": "PrimaryEmailAddr", "message": f"bad e-mail {k}", "land_id": k, "batch_id": 1}
            for k in range(3)
        ] + [{"source": "sales_leads", "entity": "Lead", "record_key": "L1", "rule": "required", "field": "Company",
              "message": "Company is required", "land_id": 9, "batch_id": 1}])  # fmt: skip
        insert_rows(conn, stg_field_flag, [
            {"source": "qbo_us", "entity": "Customer", "record_key": str(k), "field": "BillAddr.PostalCode",
             "rule": "postcode_format", "raw_value": f"9432{k}x", "message": f"BillAddr.PostalCode: '9432{k}x' is not "
             "a US ZIP code", "land_id": 20 + k, "batch_id": 1}
            for k in range(2)
        ] + [{"source": "yp_au", "entity": "Listing", "record_key": "7", "field": "phone", "rule": "phone_format",
              "raw_value": "4051 23", "message": "phone: '4051 23' is not a valid phone number in AU", "land_id": 30,
              "batch_id": 1}])  # fmt: skip
    return warehouse


def test_the_latest_batch_is_compared_with_the_one_before(profiled: Warehouse) -> None:
    rows = queries.latest_profiles(profiled)
    assert {r["batch_id"] for r in rows} == {2}
    by_column = {r["column_name"]: r for r in rows}
    assert view.drift(by_column["phone"]) == "commonest shape '+99999999999' → '99999 999999'"
    assert view.drift(by_column["email"]) == "nulls 5% → 40%"
    assert view.drift(by_column["city"]) is None, "two more nulls in a hundred is not drift"
    assert view.drift_summary(rows) == (
        "Batch 2: 4 columns profiled across 1 sources. 2 drifted since the batch before."
    )
    table = texts(view.profile_table(rows, "t"))
    assert table.index('"email"') < table.index('"city"') and table.index('"phone"') < table.index('"city"')
    assert '"fax"' not in table and "1 columns their source never fills are not shown." in table


def test_rejects_are_counted_per_source_entity_and_rule(profiled: Warehouse) -> None:
    rows = queries.reject_counts(profiled)
    assert [(r["source"], r["rule"], r["records"]) for r in rows] == [
        ("quickbooks", "email_format", 3),
        ("sales_leads", "required", 1),
    ]
    assert rows[0]["example"] == "bad e-mail 0"
    assert "Company is required" in texts(view.rejects_table(rows, "t"))


def test_flagged_fields_are_counted_per_source_field_and_rule_with_an_example(profiled: Warehouse) -> None:
    rows = queries.field_flag_counts(profiled)
    assert [(r["source"], r["entity"], r["field"], r["rule"], r["records"]) for r in rows] == [
        ("qbo_us", "Customer", "BillAddr.PostalCode", "postcode_format", 2),
        ("yp_au", "Listing", "phone", "phone_format", 1),
    ]
    shown = texts(view.field_flags_table(rows, "t"))
    assert "'94320x' is not a US ZIP code" in shown and "is not a valid phone number in AU" in shown


def test_an_empty_warehouse_says_run_the_pipeline(tmp_path: Path) -> None:
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    warehouse.create_all()
    assert queries.latest_profiles(warehouse) == [] and queries.reject_counts(warehouse) == []
    assert view.drift_summary([]) == view.NO_PROFILES
    assert view.NO_PROFILES in texts(view.profile_table([], "t"))
    assert view.NO_REJECTS in texts(view.rejects_table([], "t"))
    assert queries.field_flag_counts(warehouse) == []
    assert view.NO_FLAGS in texts(view.field_flags_table([], "t"))


@pytest.mark.parametrize(
    ("role", "sees"),
    [("data_steward", True), ("analyst", True), ("admin", True), ("manager", False), ("sales_rep", False)],
)
def test_quality_is_open_to_stewards_analysts_and_admins(role: str, sees: bool) -> None:
    hrefs = str(navbar(PortalUser(1, role, role, f"Demo {role}", None, None)).to_plotly_json())
    assert ("'/quality'" in hrefs) is sees
    assert may_open(role, "/quality") is sees


def quality_callback(client: FlaskClient) -> Any:
    outputs = [
        (ids.QUALITY_SUMMARY, "children"),
        (ids.QUALITY_PROFILES, "children"),
        (ids.QUALITY_REJECTS, "children"),
        (ids.QUALITY_FLAGS, "children"),
    ]
    return post_callback(client, outputs, (ids.QUALITY_LOAD, "data", 0))


def test_the_page_answers_an_analyst_and_refuses_a_sales_rep(client: FlaskClient) -> None:
    assert sign_in(client, "sales_rep").status_code == 303
    assert quality_callback(client).status_code == 204
    client.get("/logout")
    assert sign_in(client, "analyst").status_code == 303
    answer = quality_callback(client).get_json()["response"]
    assert (
        answer[ids.QUALITY_SUMMARY]["children"] == view.NO_PROFILES
    )  # the fixture warehouse has no batch yet


def _held_warehouse(tmp_path: Path) -> Warehouse:
    """A portal warehouse where one batch held the deletion of two of three campaigns."""
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    when = dt.datetime(2026, 11, 27, 23, 0)
    stones = [tombstone("campaigns", "Campaign", key, when, f"hash-{key}") for key in ("C1", "C2")]
    with warehouse.begin() as conn:
        batch = ops.start_batch(conn, when, "test", "x")
        deletions.hold(
            conn,
            batch,
            "campaigns",
            "Campaign",
            stones,
            3,
            "2 of 3 live records (67%)",
            "campaigns.csv",
            when,
        )
    return warehouse


def _decide(client: FlaskClient, hold: int, approve: bool) -> Any:
    button = {"approve": approve, "hold": hold, "type": ids.QUALITY_HOLD_DECIDE}
    body = {
        "output": f"..{ids.QUALITY_HOLD_DECIDED}.data...{ids.QUALITY_HOLD_STATUS}.children..",
        "outputs": [
            {"id": ids.QUALITY_HOLD_DECIDED, "property": "data"},
            {"id": ids.QUALITY_HOLD_STATUS, "property": "children"},
        ],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def _holds_shown(client: FlaskClient) -> str:
    answer = call_callback(
        client,
        [(ids.QUALITY_HOLDS, "children")],
        [(ids.QUALITY_LOAD, "data", 0), (ids.QUALITY_HOLD_DECIDED, "data", None)],
    )
    return json.dumps(answer.get_json()["response"])


def test_a_steward_sees_held_deletions_and_keeps_the_records(tmp_path: Path) -> None:
    app = create_app(portal_settings(tmp_path), _held_warehouse(tmp_path))
    with app.server.test_client() as client:
        assert sign_in(client, "analyst").status_code == 303
        shown = _holds_shown(client)
        assert "campaigns \\u00b7 Campaign: 2 of 3 records" in shown and "Keep the records" not in shown
        refused = _decide(client, 1, False).get_json()["response"]
        assert "Only data stewards decide held deletions." in json.dumps(refused)
        client.get("/logout")

        assert sign_in(client, "data_steward").status_code == 303
        assert "Keep the records" in _holds_shown(client)
        saved = json.dumps(_decide(client, 1, False).get_json()["response"])
        assert "Hold 1: the records are kept." in saved
        shown = _holds_shown(client)
        assert deletions_view.NO_HOLDS in shown and "kept the records by data_steward" in shown
        again = json.dumps(_decide(client, 1, True).get_json()["response"])
        assert "already discarded" in again
