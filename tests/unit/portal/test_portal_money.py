"""Amounts in the portal are in the home currency, and the Overview says which."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from components import format as fmt
from components import ids
from components.charts import revenue_by_figure
from tests.unit.portal.test_portal_auth import component_text, overview_callback
from warehouse.queries import SalesBreakdown


def test_the_overview_shows_amounts_in_pounds_and_says_so(signed_in: FlaskClient) -> None:
    answer = overview_callback(signed_in).json["response"]
    cards = answer[ids.OVERVIEW_KPI_ROW]["children"]
    assert component_text(cards, ids.kpi_value("revenue-today")) == "£4,500"
    assert answer[ids.OVERVIEW_AS_OF]["children"].endswith("Amounts in GBP (£), net of discounts and tax.")


def test_books_in_dollars_show_dollars_everywhere(
    signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "usd")
    answer = overview_callback(signed_in).json["response"]
    cards = answer[ids.OVERVIEW_KPI_ROW]["children"]
    assert component_text(cards, ids.kpi_value("revenue-today")) == "$4,500"
    assert answer[ids.OVERVIEW_AS_OF]["children"].endswith("Amounts in USD ($), net of discounts and tax.")
    figure = revenue_by_figure([SalesBreakdown("West", 1200.0, 3)], "region")
    assert figure.layout.xaxis.tickprefix == "$"
    assert (fmt.money(12.5), fmt.money(0)) == ("$12.50", "$0")


def test_a_currency_without_a_symbol_shows_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "PLN")
    assert fmt.money(1234) == "PLN 1,234"
    assert fmt.currency_note() == "Amounts in PLN (PLN), net of discounts and tax."
