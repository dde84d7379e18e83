"""Money: the home currency every fact and mart is reported in, and exact splits of document amounts.

A document in another currency carries its exchange rate (home units per document unit, as QuickBooks'
``ExchangeRate``); its lines are converted so that they add up to the document's home-currency total to
the cent (:func:`split`), never drifting by the rounding of each line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Final

logger = logging.getLogger(__name__)

SYMBOLS: Final = {
    "GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$", "NZD": "NZ$",
    "CHF": "CHF ", "SEK": "kr ", "NOK": "kr ", "DKK": "kr ", "ZAR": "R", "SGD": "S$", "HKD": "HK$",
}  # fmt: skip
_CODE: Final = re.compile(r"^[A-Z]{3}$")


class CurrencyError(ValueError):
    """A currency code that is not three letters (ISO 4217)."""


def currency_code(value: str) -> str:
    """An ISO 4217 code, upper-cased (``usd`` -> ``USD``); anything else raises :class:`CurrencyError`."""
    code = value.strip().upper()
    if not _CODE.match(code):
        raise CurrencyError(f"{value[:20]!r} is not an ISO 4217 currency code (three letters)")
    return code


def home_currency(override: str | None = None) -> str:
    """The currency every amount of the warehouse is reported in.

    ``override`` (a source option or a caller's choice) wins; else the settings' ``home_currency``
    (``C360_HOME_CURRENCY``, GBP by default).
    """
    if override:
        return currency_code(override)
    from settings import get_settings  # late: tests point the environment elsewhere

    return currency_code(get_settings().home_currency)


def symbol(currency: str) -> str:
    """``£`` for GBP, ``$`` for USD; the code and a space for a currency without a well-known symbol."""
    return SYMBOLS.get(currency, f"{currency} ")


def split(total: float, weights: Sequence[float]) -> list[float]:
    """``total`` shared out pro rata to ``weights`` in whole cents; the parts add up to ``total`` exactly.

    The cents left over by rounding go to the parts with the largest remainders (ties: the earlier part).
    Weights adding up to zero share nothing pro rata: each part is then its weight, rounded.
    """
    if not weights:
        return []
    whole = sum(weights)
    if abs(whole) < 1e-9:
        return [round(w, 2) for w in weights]
    cents = round(total * 100)
    exact = [cents * w / whole for w in weights]
    parts = [int(e // 1) for e in exact]
    left = cents - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [p / 100 for p in parts]
