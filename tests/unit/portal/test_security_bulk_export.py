"""An export of many customers raises a ``bulk_export`` security event and an alert; a small one does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import create_app
from tests.unit.portal.portal_data import portal_settings
from tests.unit.portal.test_policy_data import policy_warehouse, sign_in
from tests.unit.portal.test_policy_exports import download
from tests.unit.portal.test_security_lockout import inbox, wait_for
from warehouse import security_events
from warehouse.engine import Warehouse
from warehouse.schema import sec_event

__all__ = ["inbox", "policy_warehouse"]


def _bulk_events(warehouse: Warehouse) -> list[dict[str, Any]]:
    kind = sec_event.c.kind == security_events.BULK_EXPORT
    return warehouse.rows(sa.select(sec_event).where(kind).order_by(sec_event.c.id))


def test_exporting_many_customers_raises_a_bulk_export_alert(
    policy_warehouse: Warehouse, tmp_path: Path, inbox: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = inbox
    settings = portal_settings(tmp_path).model_copy(
        update={"bulk_export_rows": 10, "security_alert_webhook": url}
    )
    before = len(_bulk_events(policy_warehouse))
    with create_app(settings, policy_warehouse).server.test_client() as client:
        sign_in(client, "manager")
        rows = download(client, "actions")
        assert len(rows) >= 10, "the demo's actions name more customers than the threshold"
        small = download(client, "campaigns")  # campaigns name no customer
    assert small
    found = _bulk_events(policy_warehouse)[before:]
    assert [(e["username"], e["kind"]) for e in found] == [("manager", "bulk_export")]
    assert f"{len(rows)} customers' rows as CSV" in found[0]["detail"]
    alert = wait_for(received, "bulk_export")
    assert alert["username"] == "manager" and alert["detail"] == found[0]["detail"]


def test_an_export_below_the_threshold_raises_nothing(policy_warehouse: Warehouse, tmp_path: Path) -> None:
    before = len(_bulk_events(policy_warehouse))
    with create_app(portal_settings(tmp_path), policy_warehouse).server.test_client() as client:
        sign_in(client, "manager")
        assert download(client, "actions")
    assert len(_bulk_events(policy_warehouse)) == before, "the default threshold is 1,000 customers"
