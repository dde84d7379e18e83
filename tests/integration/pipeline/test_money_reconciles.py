"""Revenue reconciles with the documents: a QuickBooks export with discounts, tax, shipping, a subtotal-only
invoice, a walk-in receipt, a Canadian-dollar invoice and one document that does not add up, through every
step of the pipeline. The marts' revenue is the documents' home-currency totals less their tax, to the cent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.runner import run_batch
from tests.integration.pipeline.conftest import demo_settings, fixed_clock
from warehouse.engine import Warehouse
from warehouse.schema import (
    UNIDENTIFIED_CUSTOMER_KEY,
    UNIDENTIFIED_CUSTOMER_NAME,
    dim_customer,
    fact_payment,
    fact_sales_line,
    mart_customer_kpi,
    mart_kpi_daily,
    mart_sales,
    stg_reject,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "quickbooks"
ENTITIES = ("Customer", "Invoice", "SalesReceipt", "Payment")
CONFIG = """
[[sources]]
name = "quickbooks"
type = "quickbooks_export"
path = "quickbooks"
lawful_basis = "contract"
terms_of_service = "Intuit developer terms; the sandbox company"
entities = ["Customer", "Invoice", "SalesReceipt", "Payment"]
"""
UNBALANCED = "160"


def export(root: Path) -> dict[str, list[dict[str, Any]]]:
    """The recorded invoices and the documents built from Intuit's references, as a QuickBooks export."""
    objects: dict[str, list[dict[str, Any]]] = json.loads((DATA / "money-documents.json").read_text("utf-8"))
    recorded = json.loads((DATA / "invoice-page-1.json").read_text("utf-8"))["QueryResponse"]["Invoice"]
    objects["Invoice"] = recorded + objects["Invoice"]
    for entity in ENTITIES:
        page = root / "quickbooks" / entity / "page-00001.json"
        page.parent.mkdir(parents=True)
        page.write_text(json.dumps({"QueryResponse": {entity: objects[entity]}}), encoding="utf-8")
    (root / "sources.toml").write_text(CONFIG, encoding="utf-8")
    return objects


def home_net(doc: dict[str, Any]) -> float:
    """What a document earns in the home currency: its home total less its tax at its rate."""
    rate = doc.get("ExchangeRate", 1.0)
    total = doc.get("HomeTotalAmt", doc["TotalAmt"] * rate)
    return round(total - round(doc.get("TxnTaxDetail", {}).get("TotalTax", 0.0) * rate, 2), 2)


def run(root: Path) -> Warehouse:
    with demo_settings(root) as warehouse:
        run_batch(warehouse, load_sources(root / "sources.toml"), clock=fixed_clock)
    return warehouse


def total(warehouse: Warehouse, query: sa.Select[Any]) -> float:
    with warehouse.engine.connect() as conn:
        return round(float(conn.execute(query).scalar_one() or 0.0), 2)


def test_revenue_is_the_documents_home_currency_totals_less_tax(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "USD")  # the sandbox company keeps its books in dollars
    objects = export(tmp_path)
    sales = [d for e in ("Invoice", "SalesReceipt") for d in objects[e] if d["Id"] != UNBALANCED]
    expected = round(sum(home_net(d) for d in sales), 2)
    assert expected == 425.0 + 100.0 + 382.5 + 50.0 + 60.0 + 147.04

    warehouse = run(tmp_path)

    assert total(warehouse, sa.select(sa.func.sum(mart_kpi_daily.c.revenue))) == expected
    for grain in ("day", "week", "month"):
        month = sa.select(sa.func.sum(mart_sales.c.revenue)).where(mart_sales.c.grain == grain)
        assert total(warehouse, month) == expected
    assert total(warehouse, sa.select(sa.func.sum(mart_kpi_daily.c.orders))) == len(sales)
    with warehouse.engine.connect() as conn:
        by_currency = conn.execute(
            sa.select(fact_sales_line.c.doc_currency, sa.func.sum(fact_sales_line.c.doc_amount))
            .group_by(fact_sales_line.c.doc_currency)
            .order_by(fact_sales_line.c.doc_currency)
        ).all()
        assert [(c, round(a, 2)) for c, a in by_currency] == [("CAD", 200.0), ("USD", 1017.5)]
        rejects = conn.execute(
            sa.select(stg_reject.c.record_key, stg_reject.c.rule, stg_reject.c.message)
        ).all()
        assert [(k, r) for k, r, _ in rejects] == [(UNBALANCED, "unbalanced")]
        assert "difference +89.50" in rejects[0].message
        payments = conn.execute(
            sa.select(fact_payment.c.source_key, fact_payment.c.method, fact_payment.c.amount,
                      fact_payment.c.doc_currency, fact_payment.c.doc_amount).order_by(fact_payment.c.source_key)
        ).all()  # fmt: skip
        assert [tuple(p) for p in payments] == [
            ("170", "2", 220.0, "USD", 220.0),
            ("171", "Cash", 154.39, "CAD", 210.0),
        ]
        walk_in = conn.execute(
            sa.select(dim_customer.c.name, dim_customer.c.is_customer).where(
                dim_customer.c.customer_key == UNIDENTIFIED_CUSTOMER_KEY
            )
        ).one()
        assert tuple(walk_in) == (UNIDENTIFIED_CUSTOMER_NAME, False)
        listed = conn.execute(sa.select(mart_customer_kpi.c.customer_key)).scalars().all()
        assert UNIDENTIFIED_CUSTOMER_KEY not in listed
        new_customers = conn.execute(sa.select(sa.func.sum(mart_kpi_daily.c.new_customers))).scalar_one()
        assert new_customers == 2  # Amy's Bird Sanctuary and Bill's Windsurf Shop; the walk-in is no customer


def test_dollars_are_not_counted_as_pounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("C360_HOME_CURRENCY", raising=False)  # the embedded default: GBP
    export(tmp_path)
    warehouse = run(tmp_path)

    with warehouse.engine.connect() as conn:
        revenue = conn.execute(sa.select(sa.func.sum(mart_kpi_daily.c.revenue))).scalar_one()
        rules = conn.execute(
            sa.select(stg_reject.c.rule, sa.func.count())
            .group_by(stg_reject.c.rule)
            .order_by(stg_reject.c.rule)
        ).all()
        messages = (
            conn.execute(sa.select(stg_reject.c.message).where(stg_reject.c.rule == "unconverted_currency"))
            .scalars()
            .all()
        )
    assert not revenue  # the Canadian invoice has a rate too, but to the books' dollars, not to pounds
    assert dict(rules) == {"unbalanced": 1, "unconverted_currency": 6 + 2}  # 6 sales documents, 2 payments
    dollars = "amount in USD without an exchange rate, and the home currency is GBP"
    assert sum(dollars in m for m in messages) == 6, messages
    assert (
        sum(m.startswith("amount in CAD converted to USD") for m in messages) == 2
    )  # the invoice, the payment
