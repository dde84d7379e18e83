"""Data-quality rules after every batch: a planted bad batch fails a rule, alerts the stewards and opens an item
that stewards move through its life (assigned, commented, resolved), and that a new failure reopens."""

from __future__ import annotations

import datetime as dt
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pipeline.config import load_sources
from pipeline.quality import stewardship
from pipeline.quality.rules import RULES
from pipeline.quality.stewardship import IssueError, StewardAlerts
from pipeline.runner import run_batch
from tests.integration.loopback import serve
from tests.integration.pipeline.conftest import FIXED_NOW, FirstBatch, copy_demo
from warehouse.engine import Warehouse
from warehouse.migrate import upgrade


class Webhook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]]

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def _lose_invoice_customers(toml: Path) -> None:
    """An export that lost every invoice's customer reference: the sales stay, whose they are does not."""
    for page in (toml.parent / "quickbooks" / "Invoice").glob("*.json"):
        body = json.loads(page.read_text(encoding="utf-8"))
        for invoice in body["QueryResponse"]["Invoice"]:
            invoice.pop("CustomerRef", None)
        page.write_text(json.dumps(body), encoding="utf-8")


def _batch(warehouse: Warehouse, toml: Path, alerts: StewardAlerts, hours: int) -> str:
    clock = FIXED_NOW + dt.timedelta(hours=hours)
    outcome = run_batch(warehouse, load_sources(toml), clock=lambda: clock, force=True, alerts=alerts)
    assert outcome.status == "succeeded", "a failing quality rule does not fail the batch"
    return outcome.warnings or ""


def test_a_bad_batch_fails_a_rule_alerts_the_stewards_and_opens_an_item(
    demo_sources: Path, first_batch: FirstBatch, tmp_path: Path
) -> None:
    bad = copy_demo(demo_sources, tmp_path / "bad")
    _lose_invoice_customers(bad)
    warehouse = first_batch.copy_into(Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}"))
    received: list[dict[str, Any]] = []
    with serve(Webhook, received=received) as url:
        alerts = StewardAlerts(url)
        with warehouse.begin() as conn:  # the demo's first batch, clean
            first = stewardship.trend(conn)
            assert {r["rule"] for r in first} == {r.name for r in RULES}
            assert all(r["passed"] for r in first), [r for r in first if not r["passed"]]
            assert stewardship.issues(conn) == []

        warnings = _batch(warehouse, bad, alerts, 1)
        assert "quality rule sales_customer_known failed" in warnings
        assert len(received) == 1 and received[0]["kind"] == "data_quality"
        (announced,) = received[0]["items"]
        assert announced["rule"] == "sales_customer_known" and announced["status"] == "open"
        with warehouse.begin() as conn:
            (item,) = stewardship.issues(conn)
            assert (item["status"], item["dataset"]) == ("open", "fact_sales_line")
            assert "should be at least 0.95" in item["summary"]
            trend = [r for r in stewardship.trend(conn) if r["rule"] == "sales_customer_known"]
            assert [r["passed"] for r in trend] == [True, False]
            assert trend[0]["value"] == 1.0 and trend[1]["value"] < 0.5

        _batch(warehouse, bad, alerts, 2)  # still failing: the same item, no second alert
        assert len(received) == 1
        with warehouse.begin() as conn:
            (item,) = stewardship.issues(conn)
            assert [h["action"] for h in item["history"]] == ["opened", "failed again"]
            now = FIXED_NOW + dt.timedelta(hours=3)
            assert stewardship.act(conn, item["issue_id"], "assign", "sam.steward", now) == "assigned"
            stewardship.act(
                conn, item["issue_id"], "comment", "sam.steward", now, "the export lost CustomerRef"
            )
            with pytest.raises(IssueError, match="say why"):
                stewardship.act(conn, item["issue_id"], "resolve", "sam.steward", now)
            assert (
                stewardship.act(conn, item["issue_id"], "resolve", "sam.steward", now, "fixed") == "resolved"
            )
            with pytest.raises(IssueError, match="cannot be assign"):
                stewardship.act(conn, item["issue_id"], "assign", "sam.steward", now)

        _batch(warehouse, bad, alerts, 4)  # fails again after it was resolved: reopened and announced
        assert len(received) == 2 and received[1]["items"][0]["status"] == "open"
        with warehouse.begin() as conn:
            (item,) = stewardship.issues(conn)
            assert item["status"] == "open"
            actions = [(h["actor"], h["action"]) for h in item["history"]]
            assert actions[-3:] == [
                ("sam.steward", "comment"),
                ("sam.steward", "resolve"),
                ("quality rules", "reopened"),
            ]


def test_a_waived_item_stays_quiet_until_a_steward_reopens_it(demo_sources: Path, tmp_path: Path) -> None:
    bad = copy_demo(demo_sources, tmp_path)
    _lose_invoice_customers(bad)
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(warehouse)
    alerts = StewardAlerts()  # no webhook configured: the log only
    _batch(warehouse, bad, alerts, 0)
    with warehouse.begin() as conn:
        (item,) = stewardship.issues(conn)
        stewardship.act(conn, item["issue_id"], "waive", "sam.steward", FIXED_NOW, "walk-in season")
    _batch(warehouse, bad, alerts, 1)
    with warehouse.begin() as conn:
        (item,) = stewardship.issues(conn)
        assert item["status"] == "waived" and item["last_failed_batch"] == 2
        assert stewardship.act(conn, item["issue_id"], "reopen", "sam.steward", FIXED_NOW) == "open"
