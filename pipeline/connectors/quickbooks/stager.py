"""Stage QuickBooks objects: Customer -> stg_customer, Item -> stg_product, Invoice and SalesReceipt ->
stg_sales_line (one row per sales line, net of discounts, adding up to the document's total: see
``documents.py``), Payment -> stg_payment, PaymentMethod -> stg_payment_method. Amounts are staged in the
home currency (``amount``) and in the document's (``doc_amount``, ``currency``, ``exchange_rate``). The
home currency is the source's locale's (its ``currency`` option, else the settings'): a document that names
no currency is in it. A sale without a customer (a walk-in receipt) stages under ``UNIDENTIFIED_SOURCE_KEY``.

Category items (``Type == "Category"``) are not products and stage to no rows. The rep and the sales
channel come from the custom fields "Sales Rep" and "Channel" (or ``SalesRepRef``). A customer's phone and
postcode are read for its billing address's country, else the source's locale; one that fails is flagged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from pipeline.connectors.common import (
    Fields,
    boolean,
    check_parsed,
    date,
    get,
    money,
    number,
    required,
    row,
    text,
    timestamp,
)
from pipeline.connectors.quickbooks.documents import read_document
from pipeline.money import CurrencyError, currency_code
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow
from warehouse.schema import UNIDENTIFIED_SOURCE_KEY

logger = logging.getLogger(__name__)

_CUSTOMER_FIELDS: Final = {
    "source_key": "Id", "display_name": "DisplayName", "company_name": "CompanyName", "given_name": "GivenName",
    "family_name": "FamilyName", "email": "PrimaryEmailAddr.Address", "phone": "PrimaryPhone.FreeFormNumber",
    "street": "BillAddr.Line1", "city": "BillAddr.City", "region": "BillAddr.CountrySubDivisionCode",
    "postcode": "BillAddr.PostalCode", "country": "BillAddr.Country", "website": "WebAddr.URI",
    "segment": "CustomerTypeRef.name",
}  # fmt: skip
_PRODUCT_FIELDS: Final = {"source_key": "Id", "name": "Name", "sku": "Sku", "category": "ParentRef.name"}
_LINE_FIELDS: Final = {"doc_key": "Id", "doc_number": "DocNumber", "sales_rep": "CustomField.Sales Rep"}


def _customer(record: RawRecord, locale: Locale) -> list[StagedRow]:
    p, f = record.payload, Fields(record)
    key = required(p.get("Id"), "Id")
    country_field = (
        "BillAddr.Country" if get(p, "BillAddr.Country") not in (None, "") else "BillAddr.CountryCode"
    )
    country, read_as = f.country(get(p, country_field), country_field, locale)
    phone = get(p, "PrimaryPhone.FreeFormNumber")
    phone_field = "PrimaryPhone.FreeFormNumber" if phone not in (None, "") else "Mobile.FreeFormNumber"
    values = {
        "source_key": key,
        "entity": "Customer",
        "display_name": required(p.get("DisplayName"), "DisplayName"),
        "company_name": text(p.get("CompanyName"), "CompanyName"),
        "given_name": text(p.get("GivenName"), "GivenName"),
        "family_name": text(p.get("FamilyName"), "FamilyName"),
        "email": f.standard("email", get(p, "PrimaryEmailAddr.Address"), "PrimaryEmailAddr.Address"),
        "phone": f.standard("phone", get(p, phone_field), phone_field, country_code=read_as),
        "street": text(get(p, "BillAddr.Line1"), "BillAddr.Line1"),
        "city": text(get(p, "BillAddr.City"), "BillAddr.City"),
        "region": text(get(p, "BillAddr.CountrySubDivisionCode"), "BillAddr.CountrySubDivisionCode"),
        "postcode": f.standard(
            "postcode", get(p, "BillAddr.PostalCode"), "BillAddr.PostalCode", country_code=read_as
        ),
        "country": country,
        "website": f.standard("website", get(p, "WebAddr.URI"), "WebAddr.URI"),
        "segment": text(get(p, "CustomerTypeRef.name"), "CustomerTypeRef.name"),
        "created_at": timestamp(get(p, "MetaData.CreateTime"), "MetaData.CreateTime"),
        "updated_at": timestamp(get(p, "MetaData.LastUpdatedTime"), "MetaData.LastUpdatedTime"),
        "is_active": boolean(p.get("Active"), "Active"),
        **_customer_extras(p, f, read_as),
    }
    return f.rows(row("stg_customer", values, _CUSTOMER_FIELDS))


def _customer_extras(p: Mapping[str, Any], f: Fields, country: str | None) -> dict[str, Any]:
    """Mobile, the parent of a sub-customer (job), payment terms, open balance and shipping address."""
    ship = [
        text(get(p, f"ShipAddr.{part}"), f"ShipAddr.{part}")
        for part in ("Line1", "Line2", "Line3", "City", "CountrySubDivisionCode", "PostalCode", "Country")
    ]
    return {
        "mobile": f.standard(
            "phone", get(p, "Mobile.FreeFormNumber"), "Mobile.FreeFormNumber", country_code=country
        ),
        "parent_source_key": text(get(p, "ParentRef.value"), "ParentRef.value"),
        "terms": _ref_name(p, "SalesTermRef"),
        "balance": money(p.get("Balance"), "Balance"),  # its own; BalanceWithJobs adds its jobs'
        "ship_address": ", ".join(v for v in ship if v) or None,
    }


def _item(p: Mapping[str, Any]) -> list[StagedRow]:
    key = required(p.get("Id"), "Id")
    if text(p.get("Type"), "Type") == "Category":
        return []
    values = {
        "source_key": key,
        "name": required(p.get("Name"), "Name"),
        "sku": text(p.get("Sku"), "Sku"),
        "category": text(get(p, "ParentRef.name"), "ParentRef.name"),
        "unit_price": money(p.get("UnitPrice"), "UnitPrice"),
        "unit_cost": money(p.get("PurchaseCost"), "PurchaseCost"),
    }
    return [row("stg_product", values, _PRODUCT_FIELDS)]


def _custom_field(p: Mapping[str, Any], name: str) -> str | None:
    fields = p.get("CustomField")
    if fields is None:
        return None
    if not isinstance(fields, list):
        raise Rejected("type", "CustomField: expected a list", "CustomField")
    for f in fields:
        if isinstance(f, Mapping) and f.get("Name") == name:
            return text(f.get("StringValue"), f"CustomField.{name}")
    return None


def _payment_method(p: Mapping[str, Any]) -> list[StagedRow]:
    """A payment method (Intuit's PaymentMethod: ``Name``, ``Type`` CREDIT_CARD or NON_CREDIT_CARD, ``Active``)."""
    values = {
        "source_key": required(p.get("Id"), "Id"),
        "name": required(p.get("Name"), "Name"),
        "kind": text(p.get("Type"), "Type"),
        "is_active": boolean(p.get("Active"), "Active"),
    }
    return [row("stg_payment_method", values, {"name": "Name", "kind": "Type"})]


Stage = Callable[[Mapping[str, Any], str], list[StagedRow]]


def _sales(doc_type: str) -> Stage:
    def stage_doc(p: Mapping[str, Any], home: str) -> list[StagedRow]:
        key = required(p.get("Id"), "Id")
        txn_date = date(p.get("TxnDate"), "TxnDate")
        if txn_date is None:
            raise Rejected("required", "TxnDate is required", "TxnDate")
        customer = text(get(p, "CustomerRef.value"), "CustomerRef.value") or UNIDENTIFIED_SOURCE_KEY
        rep = _custom_field(p, "Sales Rep") or text(get(p, "SalesRepRef.name"), "SalesRepRef.name")
        channel = _custom_field(p, "Channel")
        doc = read_document(p)
        common = {
            "doc_type": doc_type,
            "doc_key": key,
            "doc_number": text(p.get("DocNumber"), "DocNumber"),
            "txn_date": txn_date,
            "customer_source_key": customer,
            "sales_rep": rep,
            "channel": channel,
            "currency": doc.currency or home,
            "exchange_rate": doc.exchange_rate,
            "terms": _ref_name(p, "SalesTermRef"),
        }
        return [
            row(
                "stg_sales_line",
                common
                | {
                    "line_no": item.line_no,
                    "product_source_key": item.product,
                    "quantity": item.quantity,
                    "unit_price": doc.to_home(item.unit_price),
                    "amount": home,
                    "doc_amount": net,
                },
                _LINE_FIELDS,
            )
            for item, net, home in zip(doc.items, doc.net, doc.home, strict=True)
        ]

    return stage_doc


def _ref_name(p: Mapping[str, Any], ref: str) -> str | None:
    """A reference's name when QuickBooks sends it, else its id (``{"value": "3"}`` -> ``"3"``)."""
    return text(get(p, f"{ref}.name"), f"{ref}.name") or text(get(p, f"{ref}.value"), f"{ref}.value")


def _payment(p: Mapping[str, Any], home: str) -> list[StagedRow]:
    amount = money(p.get("TotalAmt"), "TotalAmt")
    currency = text(get(p, "CurrencyRef.value"), "CurrencyRef.value")
    rate = number(p.get("ExchangeRate"), "ExchangeRate")
    if rate is not None and rate <= 0:
        raise Rejected("range", f"ExchangeRate: {rate} is not a positive rate", "ExchangeRate")
    try:
        currency = currency_code(currency) if currency else None
    except CurrencyError as e:
        raise Rejected("currency", f"CurrencyRef.value: {e}", "CurrencyRef.value") from None
    values = {
        "source_key": required(p.get("Id"), "Id"),
        "txn_date": date(p.get("TxnDate"), "TxnDate"),
        "customer_source_key": required(get(p, "CustomerRef.value"), "CustomerRef.value"),
        "amount": amount if amount is None or rate is None else round(amount * rate, 2),
        "method": _ref_name(p, "PaymentMethodRef"),
        "method_ref": text(get(p, "PaymentMethodRef.value"), "PaymentMethodRef.value"),
        "currency": currency or home,
        "exchange_rate": rate,
        "doc_amount": amount,
    }
    return [row("stg_payment", values, {"txn_date": "TxnDate", "amount": "TotalAmt"})]


def _estimate(source: str, p: Mapping[str, Any]) -> list[StagedRow]:
    """A quote is not a sale: it stages as a ``quote`` interaction, a buying signal for lead scoring."""
    when = date(p.get("TxnDate"), "TxnDate")
    if when is None:
        raise Rejected("required", "TxnDate is required", "TxnDate")
    total = money(p.get("TotalAmt"), "TotalAmt")
    status = text(p.get("TxnStatus"), "TxnStatus")
    summary = f"Estimate {text(p.get('DocNumber'), 'DocNumber') or p.get('Id')}"
    summary += f": {total:.2f}" if total is not None else ""
    summary += f" ({status})" if status else ""
    values = {
        "source_key": required(p.get("Id"), "Id"),
        "kind": "quote",
        "occurred_at": dt.datetime.combine(when, dt.time()),
        "customer_source": source,
        "customer_source_key": required(get(p, "CustomerRef.value"), "CustomerRef.value"),
        "channel": "quickbooks",
        "text": summary,
    }
    return [row("stg_interaction", values, {"occurred_at": "TxnDate"})]


_STAGERS: Final[dict[str, Callable[[Mapping[str, Any]], list[StagedRow]]]] = {
    "Item": _item,
    "PaymentMethod": _payment_method,
}
_MONEY_STAGERS: Final[dict[str, Stage]] = {
    "Invoice": _sales("invoice"),
    "SalesReceipt": _sales("sales_receipt"),
    "Payment": _payment,
}


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one QuickBooks object read in ``locale`` (a customer's own address country first; money in
    the locale's currency unless a document names another), or ``Rejected``."""
    check_parsed(record.payload)
    if record.entity == "Customer":
        return _customer(record, locale)
    if record.entity == "Estimate":
        return _estimate(record.source, record.payload)
    money_stager = _MONEY_STAGERS.get(record.entity)
    if money_stager is not None:
        return money_stager(record.payload, locale.currency)
    stager = _STAGERS.get(record.entity)
    if stager is None:
        raise Rejected("entity", f"QuickBooks entity {record.entity!r} is not staged", None)
    return stager(record.payload)
