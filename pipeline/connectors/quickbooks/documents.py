"""A QuickBooks sales document (Invoice, SalesReceipt, CreditMemo) as sales lines that add up to its total.

Line types, as Intuit's Invoice and SalesReceipt references describe them:

* ``SalesItemLineDetail``: a sale of an item (shipping too: the ``SHIPPING_ITEM_ID`` item);
* ``GroupLineDetail``: a bundle; its own ``SalesItemLineDetail`` lines are the sales;
* ``DiscountLineDetail``: a discount (``Amount``, or ``DiscountPercent`` of the lines above it when
  ``PercentBased``), shared out over the sales lines above it pro rata, to the cent;
* ``SubTotalLineDetail`` and ``DescriptionOnly``: no money of their own.

Tax (``TxnTaxDetail.TotalTax``) is not revenue. The lines must add up: sales − discounts + tax = ``TotalAmt``
within a cent, or the whole document is rejected with the difference. A document without any sales line
(only a subtotal) is one line for its net total. ``CurrencyRef`` and ``ExchangeRate`` (home units per
document unit) convert the lines to the home currency so that they add up to ``HomeTotalAmt`` less the
tax in home currency.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pipeline.connectors.common import get, money, number, text
from pipeline.money import CurrencyError, currency_code, split
from pipeline.records import Rejected

logger = logging.getLogger(__name__)

CENT: Final = 0.01
_NO_MONEY: Final = frozenset({"SubTotalLineDetail", "DescriptionOnly"})


@dataclass(frozen=True)
class Item:
    """A sales line as the document states it, in the document's currency, before discounts."""

    line_no: int
    product: str | None
    quantity: float
    unit_price: float
    amount: float


@dataclass(frozen=True)
class Document:
    """The money of one sales document: its lines net of discounts, in its currency and in the home one."""

    currency: str | None  # ISO 4217; None when the document does not say
    exchange_rate: float | None  # None: the document is in the company's home currency
    items: list[Item]
    net: list[float]  # per item, after discounts, document currency
    home: list[float]  # per item, after discounts, home currency

    def to_home(self, value: float) -> float:
        return value if self.exchange_rate is None else round(value * self.exchange_rate, 2)


def read_document(p: Mapping[str, Any]) -> Document:
    """The lines of ``p`` net of discounts, checked against its total, in both currencies; or ``Rejected``."""
    currency = _currency(p)
    rate = number(p.get("ExchangeRate"), "ExchangeRate")
    if rate is not None and rate <= 0:
        raise Rejected("range", f"ExchangeRate: {rate} is not a positive rate", "ExchangeRate")
    total = money(p.get("TotalAmt"), "TotalAmt")
    tax = money(get(p, "TxnTaxDetail.TotalTax"), "TxnTaxDetail.TotalTax") or 0.0
    items, discounts = _lines(p.get("Line"))
    if items:
        net = _discounted(items, discounts)
        if total is not None:
            _reconcile(items, discounts, tax, total)
    elif total is not None:  # only a subtotal (or descriptions): the document's net total is its one line
        amount = round(total - tax, 2)
        items, net = [Item(1, None, 1.0, amount, amount)], [amount]
    else:
        raise Rejected("required", "no SalesItemLineDetail line and no TotalAmt", "Line")
    home_total = money(p.get("HomeTotalAmt"), "HomeTotalAmt")
    if rate is None:
        home = net
    elif home_total is not None:
        home = split(round(home_total - round(tax * rate, 2), 2), net)
    else:
        home = split(round(sum(net) * rate, 2), net)
    return Document(currency, rate, items, net, home)


def _currency(p: Mapping[str, Any]) -> str | None:
    value = text(get(p, "CurrencyRef.value"), "CurrencyRef.value")
    if value is None:
        return None
    try:
        return currency_code(value)
    except CurrencyError as e:
        raise Rejected("currency", f"CurrencyRef.value: {e}", "CurrencyRef.value") from None


def _lines(lines: Any) -> tuple[list[Item], list[tuple[int, float]]]:
    """Sales lines (group members included) and discounts, each with how many sales lines are above it."""
    if not isinstance(lines, list):
        raise Rejected("required" if lines is None else "type", "Line: expected a list of lines", "Line")
    items: list[Item] = []
    discounts: list[tuple[int, float]] = []
    for position, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping):
            raise Rejected("type", f"Line[{position}]: expected an object", "Line")
        kind = line.get("DetailType")
        if not isinstance(kind, str):
            raise Rejected("type", f"Line[{position}].DetailType: expected text", "Line.DetailType")
        if kind == "SalesItemLineDetail":
            items.append(_item(line, position, items))
        elif kind == "GroupLineDetail":
            members = get(line, "GroupLineDetail.Line") or []
            if not isinstance(members, list):
                raise Rejected("type", f"Line[{position}]: GroupLineDetail.Line: expected a list", "Line")
            for member in members:
                if isinstance(member, Mapping) and member.get("DetailType") == "SalesItemLineDetail":
                    items.append(_item(member, position, items))
        elif kind == "DiscountLineDetail":
            discounts.append((len(items), _discount(line, position, items)))
        elif kind not in _NO_MONEY:
            raise Rejected(
                "line_type", f"Line[{position}]: DetailType {kind!r} is not a sales document line", "Line"
            )
    return items, discounts


def _item(line: Mapping[str, Any], position: int, before: list[Item]) -> Item:
    detail = get(line, "SalesItemLineDetail")
    amount = money(line.get("Amount"), "Line.Amount")
    if amount is None:
        raise Rejected("required", "Line.Amount is required", "Line.Amount")
    qty = number(get(detail, "Qty"), "Line.SalesItemLineDetail.Qty")
    price = money(get(detail, "UnitPrice"), "Line.SalesItemLineDetail.UnitPrice")
    line_num = number(line.get("LineNum"), "Line.LineNum")
    used = {i.line_no for i in before}
    line_no = int(line_num) if line_num is not None and line_num.is_integer() else position
    if line_no in used:  # group members repeat their group's numbers
        line_no = max(used) + 1
    return Item(
        line_no=line_no,
        product=text(get(detail, "ItemRef.value"), "Line.SalesItemLineDetail.ItemRef.value"),
        quantity=1.0 if qty is None else qty,
        unit_price=price if price is not None else (amount if not qty else round(amount / qty, 2)),
        amount=amount,
    )


def _discount(line: Mapping[str, Any], position: int, above: list[Item]) -> float:
    amount = money(line.get("Amount"), "Line.Amount")
    if amount is not None:
        return abs(amount)
    percent = number(
        get(line, "DiscountLineDetail.DiscountPercent"), "Line.DiscountLineDetail.DiscountPercent"
    )
    if percent is None:
        raise Rejected(
            "required", f"Line[{position}]: a discount needs Amount or DiscountPercent", "Line.Amount"
        )
    return round(sum(i.amount for i in above) * percent / 100, 2)


def _discounted(items: list[Item], discounts: list[tuple[int, float]]) -> list[float]:
    """Each sales line less its share of the discounts below it (a discount with nothing above: all lines)."""
    net = [i.amount for i in items]
    for above, amount in discounts:
        upto = above or len(items)
        shares = split(amount, [i.amount for i in items[:upto]])
        for n, share in enumerate(shares):
            net[n] = round(net[n] - share, 2)
    return net


def _reconcile(items: list[Item], discounts: list[tuple[int, float]], tax: float, total: float) -> None:
    sales = round(sum(i.amount for i in items), 2)
    off = round(sum(d for _, d in discounts), 2)
    expected = round(sales - off + tax, 2)
    difference = round(total - expected, 2)
    if abs(difference) > CENT + 1e-9:
        raise Rejected(
            "unbalanced",
            f"TotalAmt {total:.2f} is not the lines' {expected:.2f} (sales {sales:.2f} - discounts {off:.2f} "
            f"+ tax {tax:.2f}): difference {difference:+.2f}",
            "TotalAmt",
        )
