"""How numbers read in the portal: pounds sterling, counts and signed percentages."""

from __future__ import annotations


def money(value: float) -> str:
    """``£12,345`` (whole pounds; pence only below £100)."""
    if abs(value) < 100 and value != int(value):
        return f"£{value:,.2f}"
    return f"£{value:,.0f}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def growth(value: float | None) -> str:
    """``+12.3%`` / ``-4.0%``; an em dash when there is nothing to compare with."""
    if value is None:
        return "—"
    if round(value, 3) == 0:
        return "0.0%"
    return f"{value:+.1%}"
