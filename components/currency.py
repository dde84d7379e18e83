"""The currency note every page with money totals shows under its title, from one place."""

from __future__ import annotations

import logging

from dash import html

from components import format as fmt

logger = logging.getLogger(__name__)

__all__ = ["currency_note"]


def currency_note(page: str) -> html.P:
    """``Amounts in GBP (£), net of discounts and tax.``, with the id ``<page>-currency-note``."""
    return html.P(fmt.currency_note(), id=f"{page}-currency-note", className="text-muted small currency-note")
