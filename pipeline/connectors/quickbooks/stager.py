"""Stage QuickBooks objects: Customer -> stg_customer, Item -> stg_product, Invoice and SalesReceipt ->
stg_sales_line (one row per SalesItemLineDetail line), Payment -> stg_payment.

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
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, StagedRow

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
    }
    return f.rows(row("stg_customer", values, _CUSTOMER_FIELDS))


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


def _sales(doc_type: str) -> Callable[[Mapping[str, Any]], list[StagedRow]]:
    def stage_doc(p: Mapping[str, Any]) -> list[StagedRow]:
        key = required(p.get("Id"), "Id")
        txn_date = date(p.get("TxnDate"), "TxnDate")
        if txn_date is None:
            raise Rejected("required", "TxnDate is required", "TxnDate")
        customer = required(get(p, "CustomerRef.value"), "CustomerRef.value")
        rep = _custom_field(p, "Sales Rep") or text(get(p, "SalesRepRef.name"), "SalesRepRef.name")
        channel = _custom_field(p, "Channel")
        lines = p.get("Line")
        if not isinstance(lines, list):
            raise Rejected("required" if lines is None else "type", "Line: expected a list of lines", "Line")
        rows = []
        for position, line in enumerate(lines, start=1):
            if not isinstance(line, Mapping):
                raise Rejected("type", f"Line[{position}]: expected an object", "Line")
            if line.get("DetailType") != "SalesItemLineDetail":
                continue
            detail = get(line, "SalesItemLineDetail")
            amount = money(line.get("Amount"), "Line.Amount")
            if amount is None:
                raise Rejected("required", "Line.Amount is required", "Line.Amount")
            qty = number(get(detail, "Qty"), "Line.SalesItemLineDetail.Qty")
            price = money(get(detail, "UnitPrice"), "Line.SalesItemLineDetail.UnitPrice")
            line_no = number(line.get("LineNum"), "Line.LineNum")
            values = {
                "doc_type": doc_type,
                "doc_key": key,
                "line_no": int(line_no) if line_no is not None and line_no.is_integer() else position,
                "doc_number": text(p.get("DocNumber"), "DocNumber"),
                "txn_date": txn_date,
                "customer_source_key": customer,
                "product_source_key": text(
                    get(detail, "ItemRef.value"), "Line.SalesItemLineDetail.ItemRef.value"
                ),
                "sales_rep": rep,
                "channel": channel,
                "quantity": 1.0 if qty is None else qty,
                "unit_price": price if price is not None else (amount if not qty else round(amount / qty, 2)),
                "amount": amount,
            }
            rows.append(row("stg_sales_line", values, _LINE_FIELDS))
        if not rows:
            raise Rejected("required", "no SalesItemLineDetail line", "Line")
        return rows

    return stage_doc


def _payment(p: Mapping[str, Any]) -> list[StagedRow]:
    values = {
        "source_key": required(p.get("Id"), "Id"),
        "txn_date": date(p.get("TxnDate"), "TxnDate"),
        "customer_source_key": required(get(p, "CustomerRef.value"), "CustomerRef.value"),
        "amount": money(p.get("TotalAmt"), "TotalAmt"),
        "method": text(get(p, "PaymentMethodRef.name"), "PaymentMethodRef.name"),
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
    "Invoice": _sales("invoice"),
    "SalesReceipt": _sales("sales_receipt"),
    "Payment": _payment,
}


def stage(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Rows for one QuickBooks object read in ``locale`` (a customer's own address country first), or ``Rejected``."""
    check_parsed(record.payload)
    if record.entity == "Customer":
        return _customer(record, locale)
    if record.entity == "Estimate":
        return _estimate(record.source, record.payload)
    stager = _STAGERS.get(record.entity)
    if stager is None:
        raise Rejected("entity", f"QuickBooks entity {record.entity!r} is not staged", None)
    return stager(record.payload)
