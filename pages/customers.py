"""Customers (``/customers``): search by name, city or whole e-mail address over the golden customers the signed-in user
may read (``warehouse.policy``), paged and sorted on the server, personal data masked where the role says."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, html
from dash.dash_table.DataTable import DataTable

from components import format as fmt
from components import ids
from components.context import current_portal
from components.controls import paged_table
from components.customers_table import table_columns, table_rows
from components.export import current_viewer
from warehouse.engine import WarehouseError
from warehouse.queries import CustomerSort, count_customers, customer_page, page_count
from warehouse.version import data_version
from warehouse.view_cache import ViewCache, reader_scope

logger = logging.getLogger(__name__)

TITLE = "Customers · Miracle Customer 360"
dash.register_page(__name__, path="/customers", title=TITLE, name="Customers", order=1)  # type: ignore[no-untyped-call]

PAGE_SIZE = 25
DEFAULT_SORT: list[DataTable.SortBy] = [{"column_id": "revenue_total", "direction": "desc"}]
SORT_COLUMNS = {"status": "is_active"}  # table column -> query column, where they differ
COUNTS = ViewCache(size=512)  # counts of recent terms per worker (see ``count``)


def layout(q: str = "", **_kwargs: Any) -> dbc.Container:
    searchable = "name, city or whole e-mail address" if current_viewer().sees_pii else "name or city"
    table = paged_table(
        ids.CUSTOMERS_TABLE,
        table_columns(),
        PAGE_SIZE,
        sort_action="custom",
        sort_mode="single",
        sort_by=DEFAULT_SORT,
        style_data_conditional=[
            {"if": {"filter_query": '{status} = "Lapsed"', "column_id": "status"}, "color": "#a4262c"}
        ],
    )
    return dbc.Container(
        [
            html.H1("Customers", className="page-title"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(
                            id=ids.CUSTOMERS_SEARCH,
                            type="search",
                            value=q,
                            debounce=400,
                            placeholder=f"Search {searchable}",
                            autocomplete="off",
                        ),
                        xs=12,
                        md=6,
                        lg=4,
                    ),
                    dbc.Col(
                        html.Div(id=ids.CUSTOMERS_COUNT, className="text-muted small"),
                        className="d-flex align-items-center mt-2 mt-md-0",
                    ),
                ],
                className="mb-3",
            ),
            dbc.Card(dbc.CardBody(table), className="table-card"),
        ],
        fluid=True,
    )


@callback(
    Output(ids.CUSTOMERS_TABLE, "data"),
    Output(ids.CUSTOMERS_TABLE, "page_current"),
    Input(ids.CUSTOMERS_SEARCH, "value"),
    Input(ids.CUSTOMERS_TABLE, "page_current"),
    Input(ids.CUSTOMERS_TABLE, "sort_by"),
)
def refresh(
    term: str | None, page: int | None, sort_by: list[dict[str, str]] | None
) -> tuple[list[dict[str, Any]], int]:
    """Fetch the visible page (one indexed query); a new search starts again at page 1."""
    viewer = current_viewer()
    page = 0 if ctx.triggered_id == ids.CUSTOMERS_SEARCH or page is None else page
    sort_spec = (sort_by or DEFAULT_SORT)[0]
    column = SORT_COLUMNS.get(sort_spec["column_id"], sort_spec["column_id"])
    sort = CustomerSort(column=column, descending=sort_spec.get("direction") == "desc")
    try:
        rows = customer_page(current_portal().warehouse, term or "", sort, page, PAGE_SIZE, viewer)
    except WarehouseError:
        logger.exception("customers: search failed")
        return [], 0
    except ValueError:  # an unknown (or, for this role, masked) sort column
        logger.warning("customers: refused sort %r", sort_spec)
        rows = customer_page(current_portal().warehouse, term or "", CustomerSort(), page, PAGE_SIZE, viewer)
    return table_rows(rows), page


@callback(
    Output(ids.CUSTOMERS_TABLE, "page_count"),
    Output(ids.CUSTOMERS_COUNT, "children"),
    Input(ids.CUSTOMERS_SEARCH, "value"),
)
def count(term: str | None) -> tuple[int, str]:
    """How many customers match, in its own request so the first page shows before the count.

    Counted once per worker, term, reader scope and data version (``COUNTS``): a count changes only with a
    batch, an erasure or an override, and counting a million customers is most of this request.
    """
    warehouse, viewer, text = current_portal().warehouse, current_viewer(), term or ""
    try:
        key = (str(warehouse.engine.url), text, reader_scope(viewer), data_version(warehouse))
        total = COUNTS.get_or_build(key, lambda: count_customers(warehouse, text, viewer))
    except WarehouseError:
        logger.exception("customers: count failed")
        return 1, "The warehouse could not be read; try again shortly."
    noun = "customer" if total == 1 else "customers"
    return page_count(total, PAGE_SIZE), f"{fmt.count(total)} {noun}"
