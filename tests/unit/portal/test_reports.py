"""Scheduled and on-demand reports: which files the scheduler writes, who may download them, what they say."""

from __future__ import annotations

import datetime as dt
import subprocess  # nosec B404 - runs pdftotext on files the tests wrote
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from components import actions as actions_view
from components import format as fmt
from components.reports import render_pdf
from pipeline.reports import last_complete, listed_reports, write_due_reports
from pipeline.scheduler import REPORTS_JOB, create_scheduler
from tests.unit.portal.portal_data import TODAY, portal_settings, sign_in
from warehouse import action_queries
from warehouse.engine import Warehouse
from warehouse.schema import ops_audit_log


def text_of(pdf: bytes, tmp_path: Path) -> str:
    source, target = tmp_path / "r.pdf", tmp_path / "r.txt"
    source.write_bytes(pdf)
    subprocess.run(["pdftotext", "-layout", str(source), str(target)], check=True, timeout=60)  # nosec B603 B607
    return " ".join(target.read_text().split())


@pytest.mark.parametrize(
    ("today", "weekly", "monthly"),
    [
        (dt.date(2025, 3, 12), ("2025-W10", dt.date(2025, 3, 3), dt.date(2025, 3, 9)), "2025-02"),
        (dt.date(2025, 3, 9), ("2025-W10", dt.date(2025, 3, 3), dt.date(2025, 3, 9)), "2025-02"),
        (dt.date(2025, 3, 31), ("2025-W13", dt.date(2025, 3, 24), dt.date(2025, 3, 30)), "2025-03"),
    ],
)
def test_reports_cover_the_last_complete_week_and_month(
    today: dt.date, weekly: tuple[str, dt.date, dt.date], monthly: str
) -> None:
    assert last_complete("weekly", today) == weekly
    assert last_complete("monthly", today)[0] == monthly


def test_the_scheduler_writes_each_roles_reports_once(portal_warehouse: Warehouse, tmp_path: Path) -> None:
    written = write_due_reports(portal_warehouse, tmp_path, render_pdf, TODAY)
    names = sorted(str(p.relative_to(tmp_path / "reports")) for p in written)
    assert len(names) == 18 and "manager/weekly/2025-W10-overview.pdf" in names
    assert "marketing/monthly/2025-02-campaigns.pdf" in names and not any(
        "marketing/weekly/2025-W10-o" in n for n in names
    )
    assert write_due_reports(portal_warehouse, tmp_path, render_pdf, TODAY) == []  # a re-run changes nothing
    weekly = text_of((tmp_path / "reports/manager/weekly/2025-W10-overview.pdf").read_bytes(), tmp_path)
    # 3–9 March: 7 days × (100 + 200 + 300) in the three regions; the week before the same
    assert "Revenue £4,200 · 42 orders · 3–9 Mar 2025 · vs previous period £4,200" in weekly
    assert "Scotland £2,100" in weekly and "London £700" in weekly
    analyst = [f.path.name for f in listed_reports(tmp_path, "analyst")]
    assert sorted(analyst) == [
        "2025-02-campaigns.pdf",
        "2025-02-overview.pdf",
        "2025-W10-campaigns.pdf",
        "2025-W10-overview.pdf",
    ]
    assert len(listed_reports(tmp_path, "admin")) == 18 and listed_reports(tmp_path, "sales_rep") == []


def test_downloads_are_scoped_to_the_role_and_audited(
    client: FlaskClient, portal_warehouse: Warehouse, tmp_path: Path
) -> None:
    write_due_reports(portal_warehouse, tmp_path, render_pdf, TODAY)
    assert sign_in(client, "analyst").status_code == 303
    page = client.get("/reports/files/analyst/weekly/2025-W10-overview.pdf")
    assert page.status_code == 200 and page.data.startswith(b"%PDF")
    assert client.get("/reports/files/manager/weekly/2025-W10-actions.pdf").status_code == 404
    assert client.get("/reports/files/analyst/weekly/2025-W10-overview.part").status_code == 404
    traversal = client.get("/reports/files/analyst/weekly/..%2F..%2F..%2Fwarehouse.db")
    assert not traversal.data.startswith((b"%PDF", b"SQLite"))
    assert client.get("/reports/now/actions.pdf").status_code == 404  # not an analyst's report
    log = ops_audit_log.c
    last = portal_warehouse.rows(
        sa.select(log.actor, log.action, log.object).order_by(log.id.desc()).limit(1)
    )[0]
    assert last == {
        "actor": "analyst",
        "action": "report.download",
        "object": "analyst/weekly/2025-W10-overview.pdf",
    }


def test_a_manager_makes_the_actions_report_now_and_it_matches_the_page(
    client: FlaskClient, portal_warehouse: Warehouse, tmp_path: Path
) -> None:
    assert sign_in(client, "manager").status_code == 303
    answer = client.get("/reports/now/actions.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = text_of(answer.data, tmp_path)
    rows = action_queries.action_summary(portal_warehouse, action_queries.ActionScope())
    assert rows
    for r in rows:
        line = f"{actions_view.action_label(r['action'])} {fmt.count(int(r['customers']))} {fmt.money(float(r['value'] or 0))}"
        assert line in text


def test_the_scheduler_runs_the_reports_daily(tmp_path: Path) -> None:
    scheduler = create_scheduler(portal_settings(tmp_path))
    job = scheduler.get_job(REPORTS_JOB)
    assert (
        job is not None
        and str(job.trigger) == "cron[month='*', day='*', day_of_week='*', hour='6', minute='0']"
    )
