"""The month-grain sales detail the drill-down reads below rep and category."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.steps.drill_marts import sales_detail_rows
from warehouse.schema import UNIDENTIFIED_CUSTOMER_KEY

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def line(month: dt.date, customer: int, product: str, amount: float, order: str) -> dict[str, object]:
    return {
        "month_start": month, "customer_key": customer, "customer": f"Customer {customer}", "rep": "Alice Brown",
        "region": "London", "category": "Lighting", "product": product, "amount": amount, "order_id": order,
    }  # fmt: skip


def test_lines_sum_per_month_customer_and_product_and_walk_ins_are_left_out() -> None:
    sales = pl.DataFrame(
        [
            line(MARCH, 1, "Desk lamp", 10.0, "qb|invoice|1"),
            line(MARCH, 1, "Desk lamp", 5.5, "qb|invoice|2"),
            line(MARCH, 1, "Desk lamp", 1.0, "qb|invoice|2"),  # a second line of the same order
            line(APRIL, 1, "Desk lamp", 7.0, "qb|invoice|3"),
            line(MARCH, 2, "Bulb", 3.0, "qb|invoice|4"),
            line(MARCH, UNIDENTIFIED_CUSTOMER_KEY, "Bulb", 99.0, "qb|receipt|5"),
        ]
    )
    rows = sales_detail_rows(sales)
    assert [(r["month_start"], r["customer_key"], r["product"], r["revenue"], r["orders"]) for r in rows] == [
        (MARCH, 1, "Desk lamp", 16.5, 2),
        (MARCH, 2, "Bulb", 3.0, 1),
        (APRIL, 1, "Desk lamp", 7.0, 1),
    ]
    assert rows[0]["customer"] == "Customer 1" and rows[0]["region"] == "London"
    assert sales_detail_rows(sales.clear()) == []
