"""The identity match reads the customers whose names sort next to the record's, so a customer is found
however many others share the first letters of its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import insert_rows
from warehouse.schema import dim_customer


@pytest.fixture
def crowded(warehouse_url: str, tmp_path: Path) -> Iterator[FlaskClient]:
    """The portal's fixture warehouse (customer 29 is Bristol Bikes Limited) plus 400 customers whose names
    start with "Bri" and sort before it."""
    warehouse = build_portal_warehouse(warehouse_url)
    rows = [
        {"customer_key": 1000 + n, "name": f"Bright Aardvark {n:03d}", "city": "Leeds", "rep_key": 2,
         "is_customer": True, "source_count": 1, "completeness": 0.5}
        for n in range(400)
    ]  # fmt: skip
    with warehouse.begin() as conn:
        insert_rows(conn, dim_customer, rows)
    try:
        with api_app(warehouse, tmp_path, Clock()).server.test_client() as client:
            yield client
    finally:
        warehouse.engine.dispose()


def test_a_customer_is_found_among_hundreds_sharing_its_first_letters(crowded: FlaskClient) -> None:
    manager = bearer(sign_in(crowded, "manager"))
    exact = crowded.post(
        "/api/v1/identity/match", json={"name": "Bristol Bikes Limited"}, headers=manager
    ).json
    assert (exact["status"], exact["customer_key"]) == ("matched", 29)
    shouted = crowded.post("/api/v1/identity/match", json={"name": "BRISTOL BIKES LTD"}, headers=manager).json
    assert shouted["candidates"][0]["customer_key"] == 29
    typo = crowded.post("/api/v1/identity/match", json={"name": "bristol bike shop"}, headers=manager).json
    assert typo["status"] == "candidates" and typo["candidates"][0]["customer_key"] == 29
    one = crowded.post("/api/v1/identity/match", json={"name": "Bright Aardvark 250"}, headers=manager).json
    assert (one["status"], one["customer_key"]) == ("candidates", None)  # 249, 250, 251 ... all alike
    assert one["candidates"][0]["customer_key"] == 1250
