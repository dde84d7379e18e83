"""Tiny and empty source sets cut from a generated demo data set, for the pipeline's edge cases.

Each set is a folder with its own ``sources.toml``: a QuickBooks export holding only the chosen
customers and their documents, optionally the directory listings and a few campaign days.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUICKBOOKS = """
[[sources]]
name = "quickbooks"
type = "quickbooks_export"
path = "quickbooks"
lawful_basis = "contract"
terms_of_service = "our own company file"
entities = ["Customer", "Item", "Invoice", "SalesReceipt", "Payment"]
"""
DIRECTORY = """
[[sources]]
name = "directory"
type = "directory_html"
path = "directory"
lawful_basis = "legitimate_interests"
terms_of_service = "public business listings"
start_page = "page-1.html"
"""
CAMPAIGNS = """
[[sources]]
name = "campaigns"
type = "campaign_csv"
path = "campaigns"
lawful_basis = "contract"
terms_of_service = "our own ad-platform reports"
campaigns = "campaigns.csv"
daily = "daily.csv"
"""
ACTIVITIES = """
[[sources]]
name = "sales_activities"
type = "spreadsheet"
path = "sheets/activities.csv"
lawful_basis = "legitimate_interests"
terms_of_service = "internal sales activity log"
entity = "Activity"
"""
INSTAGRAM = """
[[sources]]
name = "instagram"
type = "instagram_export"
path = "instagram"
lawful_basis = "legitimate_interests"
terms_of_service = "public business profiles only"
profiles = "profiles.jsonl"
comments = "comments.jsonl"
"""
SALES = ("Invoice", "SalesReceipt")


@dataclass(frozen=True)
class TinySet:
    """What to keep of the demo data: how many customers (with sales), and which documents of theirs."""

    customers: int | None = 0  # QuickBooks customers kept; None: no QuickBooks source at all
    sales_per_customer: int = 0  # documents kept per kept customer
    lines_per_sale: int | None = None  # sales lines kept per document (None: all)
    customer_records: bool = True  # False: the sales stay, their customers do not
    damaged: bool = False  # every QuickBooks page is broken JSON: every record is rejected
    directory: bool = False
    campaign_days: int = 0  # days of one campaign kept
    side_rows: int = 0  # sales activities, Instagram profiles and comments kept (0: no such sources)


def build(demo: Path, out: Path, spec: TinySet) -> Path:
    """Write the tiny source set ``spec`` cut from the demo data under ``demo``; returns its sources.toml."""
    out.mkdir(parents=True, exist_ok=True)
    config = ""
    if spec.customers is not None:
        _quickbooks(demo / "quickbooks", out / "quickbooks", spec)
        config += QUICKBOOKS
    if spec.directory:
        shutil.copytree(demo / "directory", out / "directory")
        config += DIRECTORY
    if spec.campaign_days:
        _campaigns(demo / "campaigns", out / "campaigns", spec.campaign_days)
        config += CAMPAIGNS
    if spec.side_rows:
        _head(demo / "sheets" / "activities.csv", out / "sheets" / "activities.csv", spec.side_rows + 1)
        for name in ("profiles.jsonl", "comments.jsonl"):
            _head(demo / "instagram" / name, out / "instagram" / name, spec.side_rows)
        config += ACTIVITIES + INSTAGRAM
    (out / "sources.toml").write_text(config, encoding="utf-8")
    return out / "sources.toml"


def quickbooks_objects(demo: Path, entity: str) -> list[dict[str, Any]]:
    """Every object of one entity in the demo QuickBooks export, in page order."""
    objects: list[dict[str, Any]] = []
    for page in sorted((demo / "quickbooks" / entity).glob("page-*.json")):
        objects += json.loads(page.read_text(encoding="utf-8"))["QueryResponse"].get(entity, [])
    return objects


def _quickbooks(src: Path, dst: Path, spec: TinySet) -> None:
    def read(entity: str) -> list[dict[str, Any]]:
        return quickbooks_objects(src.parent, entity)

    buyers: list[str] = []
    for doc in read("Invoice") + read("SalesReceipt"):  # customers with sales, in order of first sale
        key = doc["CustomerRef"]["value"]
        if key not in buyers:
            buyers.append(key)
    chosen = set(buyers[: spec.customers or 0])
    kept: dict[str, list[dict[str, Any]]] = {"Item": read("Item")}
    if spec.customer_records:
        kept["Customer"] = [c for c in read("Customer") if c["Id"] in chosen]
    per_customer: dict[str, int] = {}
    invoices: set[str] = set()
    for entity in SALES:
        kept[entity] = []
        for doc in read(entity):
            customer = doc["CustomerRef"]["value"]
            if customer not in chosen or per_customer.get(customer, 0) >= spec.sales_per_customer:
                continue
            per_customer[customer] = per_customer.get(customer, 0) + 1
            kept[entity].append(_cut_lines(doc, spec.lines_per_sale))
            if entity == "Invoice":
                invoices.add(doc["Id"])
    kept["Payment"] = [
        p for p in read("Payment") if all(t["TxnId"] in invoices for ln in p["Line"] for t in ln["LinkedTxn"])
    ]
    for entity, objects in kept.items():
        page = dst / entity / "page-00001.json"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"QueryResponse": {entity: objects}})
        page.write_text("{ damaged export" if spec.damaged else body, encoding="utf-8")


def _cut_lines(doc: dict[str, Any], keep: int | None) -> dict[str, Any]:
    if keep is None:
        return doc
    items = [ln for ln in doc["Line"] if ln["DetailType"] == "SalesItemLineDetail"][:keep]
    total = round(sum(ln["Amount"] for ln in items), 2)
    subtotal = {"Amount": total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    return doc | {"Line": [*items, subtotal], "TotalAmt": total, "TxnTaxDetail": {"TotalTax": 0}}


def _campaigns(src: Path, dst: Path, days: int) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    campaigns = _read_csv(src / "campaigns.csv")[:1]
    daily = [r for r in _read_csv(src / "daily.csv") if r["campaign_id"] == campaigns[0]["campaign_id"]]
    _write_csv(dst / "campaigns.csv", campaigns)
    _write_csv(dst / "daily.csv", daily[:days])


def _head(src: Path, dst: Path, lines: int) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    kept = src.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
    dst.write_text("".join(kept), encoding="utf-8")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


SETS: dict[str, TinySet] = {
    "directory_only": TinySet(customers=None, directory=True),
    "every_record_rejected": TinySet(customers=3, sales_per_customer=2, damaged=True),
    "no_records": TinySet(customers=0),
    "one_customer_one_sale": TinySet(customers=1, sales_per_customer=1, lines_per_sale=1),
    "two_customers": TinySet(customers=2, sales_per_customer=1),
    "one_of_everything": TinySet(customers=1, sales_per_customer=1, campaign_days=1, side_rows=1),
    "few_customers": TinySet(customers=4, sales_per_customer=3, campaign_days=5, side_rows=4),
    "customers_without_sales": TinySet(customers=5, sales_per_customer=0),
    "sales_without_customers": TinySet(customers=3, sales_per_customer=2, customer_records=False),
}
