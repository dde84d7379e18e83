"""How values read in the portal: money in the home currency, counts, signed percentages and points, day
spans, marketing channels. The home currency comes from one place, ``pipeline.money.home_currency``."""

from __future__ import annotations

import datetime as dt

from pipeline.money import home_currency, symbol


def currency() -> str:
    """The ISO 4217 code every amount in the portal is in (``GBP``)."""
    return home_currency()


def currency_symbol() -> str:
    """``£`` for GBP, ``$`` for USD: the prefix of every amount, axis and money column."""
    return symbol(home_currency())


def currency_note() -> str:
    """The note shown where totals are: ``Amounts in GBP (£), net of discounts and tax.``"""
    return f"Amounts in {currency()} ({currency_symbol().strip()}), net of discounts and tax."


def money(value: float) -> str:
    """``£12,345`` (whole units; pence or cents only below 100), in the home currency."""
    sign = currency_symbol()
    if abs(value) < 100 and value != int(value):
        return f"{sign}{value:,.2f}"
    return f"{sign}{value:,.0f}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float | None, digits: int = 0) -> str:
    """``62%`` (``digits`` decimals); an em dash when there is no value (None or NaN)."""
    if value is None or value != value:
        return "—"
    return f"{float(value):.{digits}%}"


def growth(value: float | None) -> str:
    """``+12.3%`` / ``-4.0%``; an em dash when there is nothing to compare with."""
    if value is None:
        return "—"
    if round(value, 3) == 0:
        return "0.0%"
    return f"{value:+.1%}"


MINUS = "\u2212"


def signed_points(value: float) -> str:
    """Percentage points with a true minus sign: ``+2.5``, ``−8.1``."""
    text = f"{value:+.1f}"
    return text.replace("-", MINUS) if text not in ("+0.0", "-0.0") else "0.0"


def day_span(start: dt.date, end: dt.date) -> str:
    """``27 Nov 2026``, ``21–27 Nov 2026``, ``1 Jan–27 Nov 2026``."""
    if start == end:
        return f"{end:%-d %b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%-d}–{end:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b}–{end:%-d %b %Y}"
    return f"{start:%-d %b %Y}–{end:%-d %b %Y}"


CHANNEL_LABELS = {
    "google_ads": "Google Ads",
    "meta": "Meta ads",
    "instagram": "Instagram",
    "email": "E-mail",
    "trade_show": "Trade shows",
}


def plain(text: str) -> str:
    """``text`` for a Plotly label, hover or title, shown as typed: Plotly renders a subset of HTML
    (``<a href>``, ``<b>``, ``<br>``) in them, so ``&``, ``<`` and ``>`` become entities it shows as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def channel(name: str) -> str:
    """A marketing channel's name as people say it (``google_ads`` -> ``Google Ads``)."""
    return CHANNEL_LABELS.get(name, name.replace("_", " ").capitalize())
