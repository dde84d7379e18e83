"""The customers table: column definitions and the rows it shows, built from query results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dash.dash_table.DataTable import DataTable

from components.controls import COUNT_FORMAT, money_format

# (column id, header, kind) in display order; ids are mart_customer_kpi columns (email from dim_customer).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Customer", "text"),
    ("city", "City", "text"),
    ("region", "Region", "text"),
    ("email", "Email", "text"),
    ("segment", "Segment", "text"),
    ("rep", "Sales rep", "text"),
    ("orders", "Orders", "count"),
    ("revenue_total", "Revenue (all time)", "money"),
    ("revenue_365d", "Revenue (12 months)", "money"),
    ("last_purchase", "Last purchase", "text"),
    ("status", "Status", "text"),
)
SORTABLE = {c for c, _, _ in COLUMNS} - {"status"}


def table_columns() -> list[DataTable.Columns]:
    """DataTable column specs; numbers are numeric so they right-align and format as pounds or counts."""
    columns: list[DataTable.Columns] = []
    for column_id, header, kind in COLUMNS:
        if column_id == "name":  # a link to the customer's 360 profile
            columns.append({"id": column_id, "name": header, "presentation": "markdown"})
        elif kind == "text":
            columns.append({"id": column_id, "name": header})
        else:
            columns.append(
                {
                    "id": column_id,
                    "name": header,
                    "type": "numeric",
                    "format": money_format() if kind == "money" else COUNT_FORMAT,
                }
            )
    return columns


def table_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows: dates as ISO text and a readable status."""
    out = []
    for row in rows:
        item = {c: row.get(c) for c, _, _ in COLUMNS if c != "status"}
        last = item.get("last_purchase")
        item["last_purchase"] = last.isoformat() if isinstance(last, dt.date) else last
        item["status"] = "Active" if row.get("is_active") else "Lapsed"
        item["id"] = row.get("customer_key")
        item["name"] = profile_link(str(item.get("name") or ""), row.get("customer_key"))
        out.append(item)
    return out


def profile_link(name: str, customer_key: Any) -> str:
    """Markdown link to ``/customer/<key>``, with the name's markdown characters escaped."""
    text = "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>" else c for c in name)
    return f"[{text}](/customer/{customer_key})" if customer_key is not None else text
