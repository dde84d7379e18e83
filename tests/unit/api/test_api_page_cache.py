"""A customer page asked for again is answered from the worker's page cache, per reader, until the warehouse's
data changes: a finished batch shows at once, and no reader gets a page read for another."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from pipeline.ops import SUCCEEDED, finish_batch, start_batch
from tests.unit.api.api_helpers import bearer, sign_in
from warehouse.engine import Warehouse
from warehouse.schema import mart_customer_kpi

PAGE = "/api/v1/customers?q=Customer&sort=name&limit=3"


def _names(client: FlaskClient, headers: dict[str, str], url: str = PAGE) -> list[str]:
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200, answer.json
    return [row["name"] for row in answer.json["items"]]


def _rename(warehouse: Warehouse, key: int, name: str) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            mart_customer_kpi.update().where(mart_customer_kpi.c.customer_key == key).values(name=name)
        )


def test_a_page_read_again_comes_from_the_cache_until_a_batch_changes_the_data(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    manager, rep = bearer(sign_in(client, "manager")), bearer(sign_in(client, "sales_rep"))
    first = _names(client, manager)
    assert first == ["Customer 01", "Customer 02", "Customer 03"]
    assert _names(client, rep) == [
        "Customer 02",
        "Customer 04",
        "Customer 06",
    ]  # Alice's own, not the manager's
    _rename(api_warehouse, 1, "Customer 01 (renamed outside any batch)")
    assert _names(client, manager) == first  # the same data version: the page read before
    assert _names(client, manager, PAGE + "&rep_key=1") != first  # another query reads afresh
    now = dt.datetime(2025, 3, 12, 10, 0)
    with api_warehouse.begin() as conn:  # what a batch records when it finishes
        finish_batch(conn, start_batch(conn, now, "manual", "test"), now, SUCCEEDED, "marts rebuilt")
    assert _names(client, manager)[0] == "Customer 01 (renamed outside any batch)"
