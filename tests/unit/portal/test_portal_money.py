"""Amounts in the portal are in the home currency, and the Overview says which."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import plotly.graph_objects as go
import pytest
from flask.testing import FlaskClient

from components import format as fmt
from components import ids
from components.charts import revenue_by_figure
from settings import get_settings
from tests.unit.portal.portal_data import call_callback
from tests.unit.portal.test_portal_auth import component_text, overview_callback
from warehouse.queries import SalesBreakdown


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings are read once per process: each test here reads them anew, and leaves none behind."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def books_in(currency: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", currency)
    get_settings.cache_clear()


def test_the_overview_shows_amounts_in_pounds_and_says_so(signed_in: FlaskClient) -> None:
    answer = overview_callback(signed_in).json["response"]
    cards = answer[ids.OVERVIEW_KPI_ROW]["children"]
    assert component_text(cards, ids.kpi_value("revenue-today")) == "£4,500"
    assert answer[ids.OVERVIEW_AS_OF]["children"].endswith("Amounts in GBP (£), net of discounts and tax.")


def test_books_in_dollars_show_dollars_everywhere(
    signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    books_in("usd", monkeypatch)
    answer = overview_callback(signed_in).json["response"]
    cards = answer[ids.OVERVIEW_KPI_ROW]["children"]
    assert component_text(cards, ids.kpi_value("revenue-today")) == "$4,500"
    assert answer[ids.OVERVIEW_AS_OF]["children"].endswith("Amounts in USD ($), net of discounts and tax.")
    figure = go.Figure(revenue_by_figure([SalesBreakdown("West", 1200.0, 3)], "region"))
    assert figure.layout.xaxis.tickprefix == "$"
    assert (fmt.money(12.5), fmt.money(0)) == ("$12.50", "$0")


def test_a_currency_without_a_symbol_shows_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    books_in("PLN", monkeypatch)
    assert fmt.money(1234) == "PLN 1,234"
    assert fmt.currency_note() == "Amounts in PLN (PLN), net of discounts and tax."


def page_note(client: FlaskClient, path: str, page: str) -> Any:
    """The currency note of the page at ``path`` as the portal's router renders it (None when absent)."""
    answer = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    ).json["response"]
    return component_text(answer["_pages_content"]["children"], f"{page}-currency-note")


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/actions", "actions"),
        ("/campaigns", "campaigns"),
        ("/analytics", "analytics"),
        ("/customer/1", "customer"),
    ],
)
def test_every_page_with_money_totals_says_which_currency(
    signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch, path: str, page: str
) -> None:
    assert page_note(signed_in, path, page) == "Amounts in GBP (£), net of discounts and tax."
    books_in("USD", monkeypatch)
    assert page_note(signed_in, path, page) == "Amounts in USD ($), net of discounts and tax."
