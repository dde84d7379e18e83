"""Drill-down on the Overview through the portal's callbacks: the charts, the cross-filter, the rep's scope, the exports."""

from __future__ import annotations

import base64
import datetime as dt
import io
import subprocess  # nosec B404 - runs pdftotext on a file the test wrote
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa
from flask.testing import FlaskClient

from components import ids
from components.drill import DrillState, to_store
from components.drill_panel import pid
from tests.unit.portal.portal_data import TODAY, call_callback, sign_in
from tests.unit.portal.test_portal_auth import component_text
from warehouse.engine import Warehouse
from warehouse.schema import ops_audit_log

RENDER = [
    *[(pid("overview", f"{axis}-graph"), "figure") for axis in ("time", "place", "product")],
    *[(pid("overview", f"{axis}-crumbs"), "children") for axis in ("time", "place", "product")],
    (pid("overview", "summary"), "children"),
    (pid("overview", "query"), "data"),
]
MARCH = DrillState(dt.date(2025, 3, 1), dt.date(2025, 3, 12))


def render(client: FlaskClient, state: DrillState) -> dict[str, Any]:
    answer = call_callback(client, RENDER, [(pid("overview", "state"), "data", to_store(state))])
    assert answer.status_code == 200, answer.data[:300]
    return answer.json["response"]


def bars(figure: dict[str, Any]) -> dict[str, float]:
    """The label → value of a figure's main (last) trace, as the user reads it."""
    trace = figure["data"][-1]
    labels, values = (trace["y"], trace["x"]) if trace.get("orientation") == "h" else (trace["x"], trace["y"])
    return dict(zip(labels, values, strict=True))


def test_drilling_london_shows_its_reps_and_filters_the_other_charts(signed_in: FlaskClient) -> None:
    top = render(signed_in, MARCH)
    regions = bars(top[pid("overview", "place-graph")]["figure"])
    assert regions == {"London": 1200.0, "North West": 2400.0, "Scotland": 3600.0}  # 12 days × 100/200/300
    assert "Revenue £7,200 · 72 orders" in top[pid("overview", "summary")]["children"]
    london = render(signed_in, MARCH.drill("place", "London"))
    assert bars(london[pid("overview", "place-graph")]["figure"]) == {"Alice Brown": 1200.0}
    days = bars(london[pid("overview", "time-graph")]["figure"])
    assert set(days.values()) == {1200.0}  # the time chart now counts London only (one quarter bar)
    assert london[pid("overview", "query")]["data"].endswith("&place=London")
    reps = render(signed_in, MARCH.drill("place", "London").drill("place", "Alice Brown"))
    customers = bars(reps[pid("overview", "place-graph")]["figure"])
    # customers 3, 6, ... 30 are in London; of them the even ones are Alice Brown's (March detail: 15 × n)
    assert customers == {f"Customer {n:02d}": 15.0 * n for n in (6, 12, 18, 24)} | {"100% Cotton Co": 450.0}


def test_a_rep_drills_only_into_their_own_customers(client: FlaskClient) -> None:
    assert sign_in(client, "sales_rep").status_code == 303
    answer = render(client, MARCH)
    regions = bars(answer[pid("overview", "place-graph")]["figure"])
    # the sales_rep user is Alice Brown (rep_key 1): even customer keys, from the detail mart
    alice = {"London": 0.0, "North West": 0.0, "Scotland": 0.0}
    for n in range(2, 31, 2):
        alice[("London", "North West", "Scotland")[n % 3]] += 15.0 * n
    assert regions == {k: v for k, v in alice.items() if v}
    answer = render(client, MARCH.drill("place", "London").drill("place", "Bob Singh"))
    assert answer[pid("overview", "place-graph")]["figure"]["layout"]["annotations"][0]["text"] == (
        "No sales in this selection"
    )


def export(client: FlaskClient, state: DrillState, axis: str, kind: str) -> dict[str, Any]:
    export_id = {"type": pid("overview", "export"), "axis": axis, "kind": kind}
    body = {
        "output": f"{pid('overview', 'download')}.data",
        "outputs": {"id": pid("overview", "download"), "property": "data"},
        "inputs": [[{"id": export_id, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [
            f'{{"axis":"{axis}","kind":"{kind}","type":"{pid("overview", "export")}"}}.n_clicks'
        ],
        "state": [{"id": pid("overview", "state"), "property": "data", "value": to_store(state)}],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.data[:300]
    return answer.json["response"][pid("overview", "download")]["data"]


def test_the_chart_on_screen_exports_as_formatted_xlsx_and_is_audited(
    signed_in: FlaskClient, portal_warehouse: Warehouse
) -> None:
    state = MARCH.drill("place", "London")
    screen = bars(render(signed_in, state)[pid("overview", "place-graph")]["figure"])
    download = export(signed_in, state, "place", "xlsx")
    assert download["filename"] == "overview-rep-2025-03-01-2025-03-12.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Rep", "Revenue", "Orders", "Revenue vs previous period")
    assert {r[0]: r[1] for r in rows[1:]} == screen
    assert sheet["B2"].number_format == '"£"#,##0.00' and sheet["C2"].number_format == "#,##0"
    log = ops_audit_log.c
    last = portal_warehouse.rows(
        sa.select(log.actor, log.action, log.detail).order_by(log.id.desc()).limit(1)
    )[0]
    assert (last["actor"], last["action"]) == ("manager", "export.overview.place")
    assert '"rows": 1' in last["detail"] and "place=London" in last["detail"]


def pdf_text(content: str, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(base64.b64decode(content))
    out = tmp_path / "report.txt"
    subprocess.run(["pdftotext", "-layout", str(path), str(out)], check=True, timeout=60)  # nosec B603 B607
    return out.read_text()


def test_the_overview_pdf_holds_the_kpis_and_the_drilled_charts(
    signed_in: FlaskClient, tmp_path: Path
) -> None:
    state = MARCH.drill("place", "London")
    kpi_answer = call_callback(
        signed_in,
        [(ids.OVERVIEW_KPI_ROW, "children"), (ids.OVERVIEW_AS_OF, "children"), (ids.OVERVIEW_ALERT, "children"),
         (ids.OVERVIEW_ALERT, "is_open")],
        [(ids.OVERVIEW_LOAD, "data", 0)],
    ).json["response"]  # fmt: skip
    summary = render(signed_in, state)[pid("overview", "summary")]["children"]
    answer = call_callback(
        signed_in,
        [(ids.OVERVIEW_PDF_DOWNLOAD, "data")],
        [(ids.OVERVIEW_PDF, "n_clicks", 1)],
        state=[(pid("overview", "state"), "data", to_store(state))],
    )
    download = answer.json["response"][ids.OVERVIEW_PDF_DOWNLOAD]["data"]
    assert download["filename"] == "overview-report.pdf"
    text = " ".join(pdf_text(download["content"], tmp_path).split())
    cards = kpi_answer[ids.OVERVIEW_KPI_ROW]["children"]
    shown = {key: component_text(cards, ids.kpi_value(key)) for key in ("revenue-today", "active-customers")}
    assert shown == {"revenue-today": "£4,500", "active-customers": "270"}
    assert all(value in text for value in shown.values())
    assert "Revenue today" in text and "Active customers" in text
    assert " ".join(summary.split()) in text
    assert "All regions › London" in text and "Alice Brown £1,200" in text
    assert TODAY.strftime("%d %B %Y") in text
