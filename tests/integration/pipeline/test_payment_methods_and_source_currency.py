"""Payments show their method's name, not its id; a source's own currency is the home currency of its money,
and the warehouse still reports in one currency."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipeline.config import load_sources
from pipeline.errors import ConfigError
from settings import get_settings
from tests.integration.pipeline.test_money_reconciles import CONFIG, DATA, export, run, total
from warehouse.schema import fact_payment, fact_sales_line, mart_kpi_daily, stg_reject


def write_page(root: Path, entity: str, objects: list[dict[str, Any]]) -> None:
    page = root / "quickbooks" / entity / "page-00001.json"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(json.dumps({"QueryResponse": {entity: objects}}), encoding="utf-8")


def test_a_payment_that_sends_only_its_method_id_shows_the_method_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "USD")
    objects = export(tmp_path)
    unknown = copy.deepcopy(objects["Payment"][0]) | {"Id": "172", "PaymentMethodRef": {"value": "9"}}
    write_page(tmp_path, "Payment", [*objects["Payment"], unknown])
    methods = tmp_path / "quickbooks" / "PaymentMethod" / "page-00001.json"
    methods.parent.mkdir()
    methods.write_text((DATA / "payment-methods.json").read_text("utf-8"), encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        CONFIG.replace('"Payment"]', '"Payment", "PaymentMethod"]'), "utf-8"
    )
    warehouse = run(tmp_path)

    with warehouse.engine.connect() as conn:
        shown = dict(conn.execute(sa.select(fact_payment.c.source_key, fact_payment.c.method)).all())
    # 170 sends {"value": "2"}: Check; 171 names its method; 172 points at a method the export lacks
    assert shown == {"170": "Check", "171": "Cash", "172": "9"}


US_CONFIG = CONFIG + 'country = "US"\ncurrency = "USD"\n'


def test_a_source_in_dollars_counts_its_dollars_and_quarantines_what_it_cannot_convert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "USD")
    objects = export(tmp_path)
    invoices = [d for d in objects["Invoice"] if d["Id"] in ("67", "130")]
    no_currency = copy.deepcopy(invoices[0])  # 67, as the recording has it: no CurrencyRef
    no_currency.pop("CurrencyRef", None)
    canadian = copy.deepcopy(invoices[1]) | {"Id": "900", "CurrencyRef": {"value": "CAD"}}
    canadian.pop("ExchangeRate", None)
    write_page(tmp_path, "Invoice", [no_currency, invoices[1], canadian])
    write_page(tmp_path, "SalesReceipt", [])
    write_page(tmp_path, "Payment", [objects["Payment"][0]])
    (tmp_path / "sources.toml").write_text(US_CONFIG, encoding="utf-8")
    warehouse = run(tmp_path)

    expected = round(sum(d["TotalAmt"] - d.get("TxnTaxDetail", {}).get("TotalTax", 0.0) for d in invoices), 2)
    assert total(warehouse, sa.select(sa.func.sum(mart_kpi_daily.c.revenue))) == expected
    with warehouse.engine.connect() as conn:
        counted = conn.execute(
            sa.select(fact_sales_line.c.doc_key, fact_sales_line.c.doc_currency).distinct()
        ).all()
        held = conn.execute(
            sa.select(stg_reject.c.record_key, stg_reject.c.message).where(
                stg_reject.c.rule == "unconverted_currency"
            )
        ).all()
        paid = conn.execute(sa.select(sa.func.count()).select_from(fact_payment)).scalar_one()
    assert sorted(counted) == [("130", "USD"), ("67", "USD")]
    assert [k for k, _ in held] == ["invoice/900"]
    assert "amount in CAD without an exchange rate, and the home currency is USD" in held[0][1]
    assert paid == 1


def test_a_source_in_dollars_is_refused_while_the_warehouse_reports_in_pounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_HOME_CURRENCY", "GBP")
    get_settings.cache_clear()
    (tmp_path / "sources.toml").write_text(US_CONFIG, encoding="utf-8")
    try:
        with pytest.raises(ConfigError) as refused:
            load_sources(tmp_path / "sources.toml")
    finally:
        get_settings.cache_clear()
    message = str(refused.value)
    assert "source 'quickbooks' keeps its books in USD" in message
    assert "reports every amount in GBP" in message and "C360_HOME_CURRENCY=USD" in message
