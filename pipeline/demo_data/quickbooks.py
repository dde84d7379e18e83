"""QuickBooks Online export: Customer, Item, Invoice, SalesReceipt, Payment and PaymentMethod query-response
pages. Payments name their method by reference only (``{"value": "2"}``), as exports often do.

Objects use the field names of the QuickBooks Online Accounting API v3. Some real customers have a
second, stale Customer record (older name form and contact details, usually inactive) that holds
their early transactions, as happens when a bookkeeper re-creates an account.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Final

from pipeline.demo_data import noise
from pipeline.demo_data.market import Market
from pipeline.demo_data.orders import PAYMENT_TERMS_DAYS, Orders
from pipeline.demo_data.reference import CATEGORIES, PRODUCTS, REGIONS, TOWNS
from pipeline.demo_data.world import SEGMENT_NAMES, Population
from pipeline.demo_data.writers import PagedJsonWriter, Truth, dumps

logger = logging.getLogger(__name__)

SOURCE: Final = "quickbooks"
ENTITIES: Final = ("Customer", "Item", "Invoice", "SalesReceipt", "Payment", "PaymentMethod")
_GBP: Final = {"value": "GBP", "name": "British Pound Sterling"}
_METHODS: Final = (("1", "BACS"), ("2", "Card"), ("3", "Cheque"), ("4", "Direct Debit"))
_CARD_METHODS: Final = frozenset({"Card"})
_COUNTRY_FORMS: Final = ("United Kingdom", "United Kingdom", "UK", "GB", "England", "")
_VAT: Final = 0.2
_GBP_JSON: Final = dumps(_GBP)


def _str(value: str) -> str:
    """A JSON string, exactly as ``dumps`` writes it (non-ASCII kept)."""
    return encode_basestring(value)


def _customer_ref(cust: dict[str, Any]) -> str:
    """The JSON of a document's ``CustomerRef`` to ``cust``."""
    return f'{{"value":{_str(cust["Id"])},"name":{_str(cust["DisplayName"])}}}'


def _stamp(day: dt.date, seconds: int) -> str:
    return f"{day.isoformat()}T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}+00:00"


class QuickBooksWriter:
    """Turns populations and their orders into QuickBooks objects, page by page."""

    def __init__(self, root: Path, market: Market, truth: Truth) -> None:
        self.root = root
        self.market = market
        self.truth = truth
        stamp = _stamp(market.day(729), 23 * 3600)
        self.out = {e: PagedJsonWriter(root, e, stamp) for e in ENTITIES}
        self.next_id = dict.fromkeys(ENTITIES, 1)

    def take_id(self, entity: str) -> str:
        value = self.next_id[entity]
        self.next_id[entity] = value + 1
        return str(value)

    def add(self, entity: str, obj: dict[str, Any], customer: str) -> tuple[str, int]:
        position = self.out[entity].add(obj)
        self.truth.record(SOURCE, entity, str(obj.get("Id", "")), customer)
        return position

    def write_items(self) -> None:
        """The catalogue: one Category item per category and the products under them."""
        created = _stamp(self.market.start - dt.timedelta(days=900), 9 * 3600)
        meta = {"CreateTime": created, "LastUpdatedTime": created}
        cat_ids: dict[str, str] = {}
        for name in CATEGORIES:
            cat_ids[name] = self.take_id("Item")
            item = {"Id": cat_ids[name], "SyncToken": "0", "Name": name, "Type": "Category", "Active": True}
            self.add("Item", {**item, "FullyQualifiedName": name, "MetaData": meta}, "")
        for p in PRODUCTS:
            self.add(
                "Item",
                {
                    "Id": self.take_id("Item"), "SyncToken": "0", "Name": p.name, "Sku": p.sku,
                    "FullyQualifiedName": f"{p.category}:{p.name}", "Type": "Inventory", "Active": True,
                    "SubItem": True, "ParentRef": {"value": cat_ids[p.category], "name": p.category},
                    "UnitPrice": p.unit_price, "PurchaseCost": p.unit_cost, "Taxable": True,
                    "TrackQtyOnHand": True, "MetaData": meta,
                },
                "",
            )  # fmt: skip

    def write_payment_methods(self) -> None:
        """The company's payment methods (Intuit's PaymentMethod: Name, Type, Active)."""
        created = _stamp(self.market.start - dt.timedelta(days=900), 9 * 3600)
        for key, name in _METHODS:
            self.take_id("PaymentMethod")
            self.add(
                "PaymentMethod",
                {
                    "Id": key, "SyncToken": "0", "domain": "QBO", "sparse": False, "Name": name, "Active": True,
                    "Type": "CREDIT_CARD" if name in _CARD_METHODS else "NON_CREDIT_CARD",
                    "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
                },
                "",
            )  # fmt: skip

    def item_id(self, product: int) -> str:
        return str(len(CATEGORIES) + product + 1)

    def customer(
        self, r: random.Random, pop: Population, i: int, stale: bool, created: dt.date
    ) -> dict[str, Any]:
        """One Customer object for population member ``i``; ``stale`` makes the old, half-filled duplicate."""
        name = noise.company(r, pop.core[i], pop.suffix[i], 0.08 if stale else 0.02)
        obj: dict[str, Any] = {
            "Id": self.take_id("Customer"), "SyncToken": str(r.randrange(0, 6)), "domain": "QBO", "sparse": False,
            "DisplayName": name, "CompanyName": name if r.random() < 0.9 else pop.company[i],
            "PrintOnCheckName": pop.company[i], "Job": False, "BillWithParent": False, "Taxable": True,
            "CurrencyRef": _GBP, "PreferredDeliveryMethod": "Email",
            "CustomerTypeRef": {"value": str(int(pop.segment[i]) + 1), "name": SEGMENT_NAMES[pop.segment[i]]},
        }  # fmt: skip
        if r.random() < 0.85:
            obj["GivenName"], obj["FamilyName"] = pop.given[i], pop.family[i]
        if r.random() < (0.6 if stale else 0.93):
            obj["PrimaryEmailAddr"] = {"Address": noise.email(r, pop.email[i])}
        if r.random() < 0.9:
            obj["PrimaryPhone"] = {"FreeFormNumber": noise.phone(r, pop.phone[i])}
        if r.random() < 0.95:
            town = TOWNS[pop.town[i]].name
            addr: dict[str, Any] = {
                "Id": obj["Id"],
                "Line1": noise.street(r, pop.street[i], pop.street_short[i]),
            }
            addr["City"] = noise.town(r, town)
            addr["CountrySubDivisionCode"] = REGIONS[pop.region[i]]
            addr["PostalCode"] = noise.postcode(r, pop.postcode[i])
            country = r.choice(_COUNTRY_FORMS)
            if country:
                addr["Country"] = country
            obj["BillAddr"] = addr
        if pop.website[i] and r.random() < 0.7:
            obj["WebAddr"] = {"URI": pop.website[i]}
        obj["Active"] = not stale or r.random() < 0.3
        obj["MetaData"] = {
            "CreateTime": _stamp(created, r.randrange(8 * 3600, 18 * 3600)),
            "LastUpdatedTime": "",
        }
        return obj

    def write_chunk(self, r: random.Random, pop: Population, orders: Orders) -> None:
        """Write the chunk's customers (with stale duplicates) and all their documents."""
        start = self.market.start
        days = orders.day.tolist()
        custs = orders.cust.tolist()
        by_customer: dict[int, list[int]] = {}
        for d, c in enumerate(custs):
            by_customer.setdefault(c, []).append(d)
        doc_owner: list[dict[str, Any]] = [{}] * len(days)
        balances: dict[str, float] = {}
        records: list[tuple[int, dict[str, Any]]] = []
        for i in range(len(pop)):
            if not pop.buyer[i]:
                continue
            acq = int(pop.acquired_day[i])
            created = (
                start + dt.timedelta(days=acq)
                if acq >= 0
                else start - dt.timedelta(days=int(pop.created_days_before[i]))
            )
            docs = by_customer.get(i, [])
            if pop.qbo_duplicate[i]:
                stale = self.customer(r, pop, i, True, created)
                records.append((i, stale))
                cut = days[docs[len(docs) // 3]] if docs else 0
                created = start + dt.timedelta(days=cut) if docs else created + dt.timedelta(days=200)
                for d in docs:
                    if days[d] < cut:
                        doc_owner[d] = stale
            main = self.customer(r, pop, i, False, created)
            records.append((i, main))
            for d in docs:
                if not doc_owner[d]:
                    doc_owner[d] = main
        self._write_documents(r, pop, orders, doc_owner, balances)
        for i, obj in records:
            obj["Balance"] = obj["BalanceWithJobs"] = round(balances.get(obj["Id"], 0.0), 2)
            obj["MetaData"]["LastUpdatedTime"] = obj["MetaData"]["CreateTime"]
            self.add("Customer", obj, pop.true_id(i))

    def add_encoded(self, entity: str, text: str, key: str, customer: str) -> None:
        """Queue an object already encoded as JSON (``key``: its Id, for the truth file)."""
        self.out[entity].add_encoded(text)
        self.truth.record(SOURCE, entity, key, customer)

    def _write_documents(
        self,
        r: random.Random,
        pop: Population,
        orders: Orders,
        owner: list[dict[str, Any]],
        balances: dict[str, float],
    ) -> None:
        """Invoices, sales receipts and payments, encoded straight from templates (the bulk of the data set).

        The text is what ``dumps`` gives for the same object, key order included: strings through
        JSON's own string encoder, numbers by ``repr`` as JSON does.
        """
        day0 = self.market.start
        first = orders.first_line.tolist()
        product, qty, price = orders.product.tolist(), orders.qty.tolist(), orders.price.tolist()
        paid = orders.paid_day.tolist()
        items = [(_str(p.name), _str(self.item_id(p.index))) for p in PRODUCTS]
        refs: dict[str, str] = {}  # customer Id -> its CustomerRef
        emails: dict[str, str] = {}  # customer Id -> its invoices' BillEmail
        for d, (c, day, receipt) in enumerate(
            zip(orders.cust.tolist(), orders.day.tolist(), orders.receipt.tolist(), strict=True)
        ):
            cust = owner[d]
            entity = "SalesReceipt" if receipt else "Invoice"
            lines: list[str] = []
            subtotal = 0.0
            for n, k in enumerate(range(first[d], first[d + 1]), start=1):
                name, item = items[product[k]]
                amount = round(qty[k] * price[k], 2)
                subtotal += amount
                lines.append(
                    f'{{"Id":"{n}","LineNum":{n},"Description":{name},"Amount":{amount!r},'
                    f'"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":{item},'
                    f'"name":{name}}},"UnitPrice":{price[k]!r},"Qty":{qty[k]!r},"TaxCodeRef":{{"value":"20.0% S"}}}}}}'
                )
            subtotal = round(subtotal, 2)
            lines.append(
                f'{{"Amount":{subtotal!r},"DetailType":"SubTotalLineDetail","SubTotalLineDetail":{{}}}}'
            )
            tax = round(subtotal * _VAT, 2)
            total = round(subtotal + tax, 2)
            txn = day0 + dt.timedelta(days=day)
            stamp = _stamp(txn, 8 * 3600 + (d * 7919) % 36000)
            doc_id = self.take_id(entity)
            ref = refs.get(cust["Id"])
            if ref is None:
                ref = refs[cust["Id"]] = _customer_ref(cust)
                if "PrimaryEmailAddr" in cust:
                    emails[cust["Id"]] = f',"BillEmail":{dumps(cust["PrimaryEmailAddr"])}'
            head = (
                f'{{"Id":"{doc_id}","SyncToken":"0","domain":"QBO","DocNumber":"{10000 + int(doc_id)}",'
                f'"TxnDate":"{txn.isoformat()}","CurrencyRef":{_GBP_JSON},"CustomerRef":{ref},'
                f'"CustomField":[{{"DefinitionId":"1","Name":"Sales Rep","Type":"StringType","StringValue":'
                f'{_str(pop.rep[c])}}},{{"DefinitionId":"2","Name":"Channel","Type":"StringType","StringValue":'
                f'{_str(orders.channel[d])}}}],"Line":[{",".join(lines)}],"TxnTaxDetail":{{"TotalTax":{tax!r}}},'
                f'"TotalAmt":{total!r}'
            )
            open_amount = 0.0
            if receipt:
                method = _METHODS[1] if r.random() < 0.8 else _METHODS[0]
                tail = f',"PaymentMethodRef":{{"value":"{method[0]}","name":{_str(method[1])}}},"Balance":0'
            else:
                due = (txn + dt.timedelta(days=PAYMENT_TERMS_DAYS)).isoformat()
                open_amount = total if paid[d] < 0 else 0.0
                tail = f',"DueDate":"{due}","SalesTermRef":{{"value":"3","name":"Net 30"}},"Balance":{open_amount!r}'
                tail += emails.get(cust["Id"], "")
            meta = f',"MetaData":{{"CreateTime":"{stamp}","LastUpdatedTime":"{stamp}"}}}}'
            self.add_encoded(entity, head + tail + meta, doc_id, pop.true_id(c))
            if open_amount:
                balances[cust["Id"]] = balances.get(cust["Id"], 0.0) + open_amount
            if not receipt and paid[d] >= 0:
                self._payment(r, pop, c, ref, doc_id, total, day0 + dt.timedelta(days=paid[d]))

    def _payment(
        self,
        r: random.Random,
        pop: Population,
        c: int,
        ref: str,
        invoice: str,
        total: float,
        when: dt.date,
    ) -> None:
        """The payment of an invoice, encoded from its template (``ref``: the customer reference's JSON)."""
        method = _METHODS[0] if r.random() < 0.6 else r.choice(_METHODS)
        stamp = _stamp(when, 10 * 3600)
        payment_id = self.take_id("Payment")
        text = (
            f'{{"Id":"{payment_id}","SyncToken":"0","domain":"QBO","TxnDate":"{when.isoformat()}",'
            f'"CurrencyRef":{_GBP_JSON},"CustomerRef":{ref},"PaymentMethodRef":{{"value":"{method[0]}"}},'
            f'"DepositToAccountRef":{{"value":"35","name":"Business Current Account"}},'
            f'"TotalAmt":{total!r},"UnappliedAmt":0,'
            f'"Line":[{{"Amount":{total!r},"LinkedTxn":[{{"TxnId":"{invoice}","TxnType":"Invoice"}}]}}],'
            f'"MetaData":{{"CreateTime":"{stamp}","LastUpdatedTime":"{stamp}"}}}}'
        )
        self.add_encoded("Payment", text, payment_id, pop.true_id(c))

    def close(self) -> dict[str, int]:
        for w in self.out.values():
            w.close()
        return {e: w.count for e, w in self.out.items()}
