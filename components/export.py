"""The one way the portal hands data out as a file: scoped, masked, formula-safe and audited.

Every CSV or XLSX download goes through :func:`export_download`: rows of customers the viewer may not
read are dropped, personal data is masked as ``warehouse.policy`` says, text cells that a spreadsheet
would run as a formula get a leading ``'`` (OWASP's CSV-injection rule), and an audit row records who
exported what, how many rows and with which filters. An export of many customers' personal data also
raises a ``bulk_export`` security event (an alert on the Security page and the alert webhook).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import sqlalchemy as sa
from dash.exceptions import PreventUpdate
from flask import current_app, has_app_context, has_request_context, request

from components.access import current_portal_user
from components.context import EXTENSION, current_portal
from settings import Settings, get_settings
from warehouse import audit, security_events
from warehouse.engine import Warehouse
from warehouse.policy import PII_FIELDS, Viewer, customer_scope, mask_rows
from warehouse.schema import dim_customer

logger = logging.getLogger(__name__)

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_FORMAT = "#,##0"


def money_format(symbol: str) -> str:
    """An Excel number format for amounts in the home currency: ``£#,##0.00``."""
    return f'"{symbol}"#,##0.00'


def current_viewer() -> Viewer:
    """The policy's view of the signed-in user; stops the callback when nobody is signed in."""
    user = current_portal_user()
    if user is None:
        raise PreventUpdate
    return Viewer.of(user)


def client_address() -> str | None:
    """The client address of the current request, for the audit log."""
    return request.remote_addr if has_request_context() else None


def neutralise(value: Any) -> Any:
    """A cell value a spreadsheet shows as text, never runs: numbers stay numbers, dates become ISO
    text, and text starting with ``= + - @``, tab or carriage return gets a leading ``'``."""
    if value is None or isinstance(value, bool | int | float | decimal.Decimal):
        return value
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[list[Any]]:
    """``rows`` as lists of neutralised cells in ``columns`` order."""
    return [[neutralise(r.get(c)) for c in columns] for r in rows]


def csv_text(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], headers: Mapping[str, str] | None = None
) -> str:
    """CSV with a header line (``headers`` titles, else the column names); every cell neutralised,
    missing values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise((headers or {}).get(c, c)) for c in columns])
    for cells in safe_rows(rows, columns):
        writer.writerow(["" if v is None else v for v in cells])
    return out.getvalue()


def xlsx_bytes(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    sheet: str = "Export",
    headers: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
) -> bytes:
    """An XLSX workbook of one sheet; text cells are stored as text, never as formulas.

    ``headers`` titles columns as the screen does; ``formats`` gives columns an Excel number format
    (``MONEY_FORMAT``, ``COUNT_FORMAT``); the header row is bold and frozen, columns sized to fit.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.create_sheet()
    book.remove(book.worksheets[0])
    ws.title = sheet[:31]
    ws.append([neutralise((headers or {}).get(c, c)) for c in columns])
    for cells in safe_rows(rows, columns):
        ws.append(cells)
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # openpyxl reads a leading '=' as a formula; keep it text
                cell.data_type = "s"
    if headers or formats:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, column in enumerate(columns, start=1):
            letter = get_column_letter(i)
            number_format = (formats or {}).get(column)
            if number_format:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = number_format
            width = max(
                (len(str(c.value)) for (c,) in ws.iter_rows(min_col=i, max_col=i) if c.value), default=8
            )
            ws.column_dimensions[letter].width = min(60, width + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def in_scope(
    warehouse: Warehouse, viewer: Viewer, rows: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """``rows`` without any whose ``customer_key`` the viewer may not read (rows without one stay)."""
    if viewer.all_customers or not any("customer_key" in r for r in rows):
        return list(rows)
    allowed = {
        int(r["customer_key"])
        for r in warehouse.rows(sa.select(dim_customer.c.customer_key).where(customer_scope(viewer)))
    }
    kept = [r for r in rows if "customer_key" not in r or r["customer_key"] in allowed]
    if len(kept) != len(rows):
        logger.warning("export for %s: dropped %d out-of-scope rows", viewer.username, len(rows) - len(kept))
    return kept


def export_download(
    warehouse: Warehouse,
    viewer: Viewer,
    export: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    filename: str,
    filters: Mapping[str, Any] | None = None,
    kind: Literal["csv", "xlsx"] = "csv",
    headers: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save ``rows`` as ``filename``, scoped, masked and neutralised;
    the export is audited as ``export.<export>`` with its row count and filters. ``headers`` and
    ``formats`` title and format the columns as the screen shows them (formats in XLSX only)."""
    shown = mask_rows(viewer, in_scope(warehouse, viewer, rows))
    detail = audit.detail_json(
        rows=len(shown), columns=list(columns), filters=dict(filters or {}), format=kind
    )
    audit.record(warehouse, viewer.username, f"export.{export}", filename, detail, address=client_address())
    logger.info("%s exported %s (%d rows)", viewer.username, filename, len(shown))
    _watch_bulk(warehouse, viewer, personal_rows(viewer, shown, columns), filename, kind)
    if kind == "xlsx":
        book = xlsx_bytes(shown, columns, export, headers, formats)
        content = base64.b64encode(book).decode("ascii")
        return {"content": content, "filename": filename, "type": XLSX_TYPE, "base64": True}
    text = csv_text(shown, columns, headers)
    return {"content": text, "filename": filename, "type": "text/csv", "base64": False}


def personal_rows(viewer: Viewer, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> int:
    """Rows of an export that are about a person: they name a customer, or hold personal data in clear."""
    clear = [c for c in columns if c in PII_FIELDS] if viewer.sees_pii else []
    return sum(1 for r in rows if r.get("customer_key") is not None or any(r.get(c) for c in clear))


def _watch_bulk(warehouse: Warehouse, viewer: Viewer, personal: int, filename: str, kind: str) -> None:
    """A ``bulk_export`` security event when an export holds ``settings.bulk_export_rows`` people or more."""
    settings = _settings()
    if personal < settings.bulk_export_rows:
        return
    detail = f"{personal} customers' rows as {kind.upper()} ({filename})"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    security_events.report(
        warehouse,
        security_events.BULK_EXPORT,
        viewer.username,
        client_address(),
        detail,
        now,
        webhook=settings.security_alert_webhook,
    )


def _settings() -> Settings:
    """The running portal's settings (the process-wide ones outside a portal)."""
    if has_app_context() and EXTENSION in current_app.extensions:
        return current_portal().settings
    return get_settings()


__all__ = [
    "COUNT_FORMAT",
    "FORMULA_STARTS",
    "client_address",
    "csv_text",
    "current_viewer",
    "export_download",
    "in_scope",
    "money_format",
    "neutralise",
    "personal_rows",
    "xlsx_bytes",
]
