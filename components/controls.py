"""Layout pieces the portal's pages share: titled section cards, button-group pickers and CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from components import format as fmt
from components.charts import FONT

# d3-format specs for DataTable numeric columns, as dash_table.Format would build them.
COUNT_FORMAT: DataTable.ColumnsFormat = {"specifier": ",.0f"}  # 1,234
PERCENT_FORMAT: DataTable.ColumnsFormat = {"specifier": ".0%"}  # 62%


def money_format() -> DataTable.ColumnsFormat:
    """A money column in the home currency: ``£12,345``."""
    return {"locale": {"symbol": [fmt.currency_symbol(), ""]}, "specifier": "$,.0f"}


#: Cell classes for `compact_table` columns: text, a number, a number shown from tablets up.
TEXT, NUMBER, WIDE = "", "text-end", "text-end d-none d-md-table-cell"


def section(title: str, body: Any, *, actions: Any = None, class_name: str = "") -> dbc.Card:
    """A card with a section title, optional controls on the title's right, and ``body``."""
    header = dbc.CardHeader(
        html.Div(
            [html.H2(title, className="section-title mb-0"), actions],
            className="d-flex flex-wrap align-items-center justify-content-between gap-2",
        )
    )
    return dbc.Card([header, dbc.CardBody(body)], className=f"analytics-card mb-3 {class_name}")


def picker(picker_id: str, options: dict[str, str], value: str) -> dbc.RadioItems:
    """A row of toggle buttons, one per option (value -> label), wrapping on narrow screens."""
    return dbc.RadioItems(
        id=picker_id,
        options=[{"label": label, "value": key} for key, label in options.items()],
        value=value,
        inline=True,
        class_name="btn-group flex-wrap period-picker",
        input_class_name="btn-check",
        label_class_name="btn btn-outline-primary btn-sm",
        label_checked_class_name="active",
    )


def paged_table(table_id: str, columns: list[DataTable.Columns], page_size: int, **options: Any) -> DataTable:
    """A server-paged table in the portal's list style: numbers right-aligned, names linking to profiles
    in the same tab, scrolling sideways inside its card when wider than the screen. ``options`` add to or
    override the DataTable's own (sorting, conditional styles)."""
    settings: dict[str, Any] = {
        "data": [],
        "page_action": "custom",
        "page_current": 0,
        "page_size": page_size,
        "page_count": 1,
        "style_as_list_view": True,
        "cell_selectable": False,
        "markdown_options": {"link_target": "_self"},
        "style_table": {"overflowX": "auto"},
        "style_header": {
            "fontWeight": "600",
            "backgroundColor": "#f3f2f1",
            "borderBottom": "2px solid #c8c6c4",
        },
        "style_cell": {
            "fontFamily": FONT,
            "fontSize": "0.875rem",
            "padding": "6px 10px",
            "textAlign": "left",
        },
        "style_cell_conditional": [{"if": {"column_type": "numeric"}, "textAlign": "right"}],
    }
    return DataTable(id=table_id, columns=columns, **(settings | options))


def compact_table(
    head: Sequence[tuple[str, str]], body: Sequence[Sequence[Any]], table_id: str, empty: str
) -> html.Div:
    """A small static table: ``head`` is (title, cell class) per column (`TEXT`, `NUMBER`, `WIDE`), each
    body row one value per column; ``empty`` is said instead when there are no rows."""
    if not body:
        return html.Div(html.P(empty, className="text-muted mb-0"), id=table_id)
    header = html.Thead(html.Tr([html.Th(title, className=cls) for title, cls in head]))
    rows = [html.Tr([html.Td(v, className=head[i][1]) for i, v in enumerate(cells)]) for cells in body]
    return html.Div(
        dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, className="analytics-table mb-0"),
        id=table_id,
        className="table-responsive",
    )


def csv_button(button_id: str, download_id: str, label: str) -> html.Div:
    """A small export button with the download component its callback fills."""
    return html.Div(
        [
            dbc.Button(label, id=button_id, color="secondary", outline=True, size="sm", n_clicks=0),
            dcc.Download(id=download_id),
        ]
    )


def csv_download(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], filename: str) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save ``rows`` as the CSV file ``filename``."""
    return {"content": csv_text(rows, columns), "filename": filename, "type": "text/csv", "base64": False}


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """``rows`` as CSV with a header line, in ``columns`` order (dates ISO, missing values empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else str(r[c]) for c in columns])
    return out.getvalue()
