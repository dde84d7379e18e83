"""A hand-checkable Customer 360 warehouse: customer 1 (rep 1) with eleven timeline items, customer 2 (rep 2).

Customer 1's timeline, newest first: a live campaign click (23 Nov 09:00), a call (22 Nov 10:00), payment
P2 (21 Nov), invoices 103, 102, 101 and payment P1 (all 20 Nov), an Instagram comment (19 Nov 08:30), an
e-mail (18 Nov 16:00), order (sales receipt) 5 (10 Nov) and the batch's profile change (1 Nov 23:00). The
batch's own "order placed" event repeats invoice 101 and is not shown twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import (
    customer_relationship,
    dim_channel,
    dim_customer,
    dim_date,
    dim_product,
    dim_sales_rep,
    evt_log,
    fact_interaction,
    fact_payment,
    fact_sales_line,
    proj_customer_activity,
    proj_customer_timeline,
)

CALL_TEXT = "Call back on +44 7700 900123 or write to jo.smith@example.com"
COMMENT_TEXT = "Love the new range, great service! @jo.smith"
DAYS = [dt.date(2026, 11, d) for d in (1, 10, 18, 19, 20, 21, 22, 23)]


def _dk(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _customer(key: int, rep: int, name: str) -> dict[str, Any]:
    row: dict[str, Any] = {c.name: None for c in dim_customer.columns}
    return row | {
        "customer_key": key, "name": name, "rep_key": rep, "is_customer": True, "source_count": 1,
        "completeness": 0.5, "email": f"c{key}@example.com", "phone": "+441632960001",
    }  # fmt: skip


def _line(
    doc_type: str, doc: str, line: int, day: dt.date, product: int, amount: float, customer: int = 1
) -> dict[str, Any]:
    return {
        "source": "quickbooks", "doc_type": doc_type, "doc_key": doc, "line_no": line, "date_key": _dk(day),
        "customer_key": customer, "product_key": product, "rep_key": 1, "channel_key": None, "quantity": 1.0,
        "unit_price": amount, "amount": amount,
    }  # fmt: skip


def _event(seq: int, kind: str, at: dt.datetime, producer: str, customer: int = 1) -> dict[str, Any]:
    return {
        "seq": seq, "event_id": f"e{seq}", "type": kind, "customer_key": customer, "source_key": None,
        "channel": "web", "occurred_at": at, "recorded_at": at, "producer": producer, "body": "{}",
    }  # fmt: skip


def build(warehouse: Warehouse) -> Warehouse:
    warehouse.create_all()
    nov = dt.datetime(2026, 11, 1)
    with warehouse.begin() as conn:
        insert_rows(
            conn, dim_sales_rep, [{"rep_key": 1, "name": "Alice Brown"}, {"rep_key": 2, "name": "Bob Singh"}]
        )
        insert_rows(conn, dim_customer, [_customer(1, 1, "Park Hotel Ltd"), _customer(2, 2, "Quinn Roofing"),
                                         _customer(3, 1, "Derby Joinery Ltd")])  # fmt: skip
        insert_rows(conn, dim_date, [
            {"date_key": _dk(d), "day": d, "year": d.year, "quarter": 4, "month": 11, "iso_week": d.isocalendar()[1],
             "day_of_week": d.isoweekday(), "week_start": d - dt.timedelta(days=d.weekday()),
             "month_start": d.replace(day=1), "is_weekend": d.isoweekday() > 5} for d in DAYS
        ])  # fmt: skip
        insert_rows(conn, dim_product, [
            {"product_key": 1, "source": "quickbooks", "source_key": "1", "name": "Stretch Wrap", "category": "Packaging"},
            {"product_key": 2, "source": "quickbooks", "source_key": "2", "name": "Hi-Vis Vest", "category": "Safety & PPE"},
        ])  # fmt: skip
        insert_rows(
            conn, dim_channel, [{"channel_key": 1, "name": "phone"}, {"channel_key": 2, "name": "instagram"}]
        )
        nov20, nov10 = dt.date(2026, 11, 20), dt.date(2026, 11, 10)
        insert_rows(conn, fact_sales_line, [
            _line("invoice", "101", 1, nov20, 1, 100.0), _line("invoice", "101", 2, nov20, 2, 20.0),
            _line("invoice", "102", 1, nov20, 2, 30.0), _line("invoice", "103", 1, nov20, 1, 45.5),
            _line("sales_receipt", "5", 1, nov10, 2, 12.0), _line("invoice", "900", 1, nov20, 1, 999.0, customer=2),
        ])  # fmt: skip
        insert_rows(conn, fact_payment, [
            {"source": "quickbooks", "source_key": "P1", "date_key": _dk(nov20), "customer_key": 1, "amount": 120.0, "method": "BACS"},
            {"source": "quickbooks", "source_key": "P2", "date_key": _dk(dt.date(2026, 11, 21)), "customer_key": 1, "amount": 75.5, "method": "Card"},
        ])  # fmt: skip
        insert_rows(conn, fact_interaction, [
            {"source": "sales_activities", "source_key": "a1", "date_key": 20261122, "occurred_at": dt.datetime(2026, 11, 22, 10),
             "customer_key": 1, "kind": "call", "channel_key": 1, "text": CALL_TEXT},
            {"source": "instagram", "source_key": "c1", "date_key": 20261119, "occurred_at": dt.datetime(2026, 11, 19, 8, 30),
             "customer_key": 1, "kind": "comment", "channel_key": 2, "text": COMMENT_TEXT},
            {"source": "sales_activities", "source_key": "a2", "date_key": 20261118, "occurred_at": dt.datetime(2026, 11, 18, 16),
             "customer_key": 1, "kind": "email", "channel_key": None, "text": "Asked for a quote on vests"},
        ])  # fmt: skip
        insert_rows(conn, evt_log, [
            _event(1, "profile_change", nov.replace(hour=23), "batch"),
            _event(2, "order_placed", dt.datetime(2026, 11, 20), "batch"),
            _event(3, "campaign_click", dt.datetime(2026, 11, 23, 9), "generator"),
        ])  # fmt: skip
        insert_rows(conn, proj_customer_timeline, [
            {"customer_key": 1, "seq": 1, "occurred_at": nov.replace(hour=23), "type": "profile_change", "channel": None, "summary": "Profile changed: email"},
            {"customer_key": 1, "seq": 2, "occurred_at": dt.datetime(2026, 11, 20), "type": "order_placed", "channel": "email", "summary": "Order invoice-101: 120.00 GBP"},
            {"customer_key": 1, "seq": 3, "occurred_at": dt.datetime(2026, 11, 23, 9), "type": "campaign_click", "channel": "web", "summary": "Clicked Winter PPE offer"},
        ])  # fmt: skip
        insert_rows(conn, proj_customer_activity, [
            {"customer_key": 1, "orders": 1, "revenue": 120.0, "payments": 0, "paid": 0.0, "visits": 0, "clicks": 1,
             "mentions": 0, "support_contacts": 0, "leads": 0, "last_event_at": dt.datetime(2026, 11, 23, 9),
             "last_event_type": "campaign_click", "last_seq": 3},
        ])  # fmt: skip
        insert_rows(conn, customer_relationship, [
            {"customer_key_a": 1, "customer_key_b": 2, "kind": "shared_address", "strength": 0.8, "evidence": "address 1 high street"},
            {"customer_key_a": 1, "customer_key_b": 3, "kind": "referral", "strength": 0.9, "evidence": "referred by park hotel"},
        ])  # fmt: skip
    return warehouse


#: Customer 1's timeline as (kind, title), newest first.
EXPECTED = [
    ("campaign", "Campaign"), ("call", "Call"), ("payment", "Payment P2"), ("invoice", "Invoice 103"),
    ("invoice", "Invoice 102"), ("invoice", "Invoice 101"), ("payment", "Payment P1"),
    ("comment", "Instagram comment"), ("email", "E-mail"), ("order", "Order 5"), ("profile", "Profile change"),
]  # fmt: skip
