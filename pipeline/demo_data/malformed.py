"""Planted malformed records: K per source, each listed in ``truth/malformed.csv`` with the rule it breaks.

Field names are the source's own (``PrimaryPhone.FreeFormNumber``, ``Email``, ``business_email`` ...), as a
stager reports them in ``Rejected.field``. Keys of records a reader cannot key follow the readers'
synthetic-key scheme: ``nokey:<file>#<position>`` for JSON/HTML, ``line-<n>`` for CSV.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import random
from typing import Any, Final

from pipeline.demo_data import noise
from pipeline.demo_data.directory import DirectoryWriter, listing_html
from pipeline.demo_data.instagram import InstagramWriter
from pipeline.demo_data.quickbooks import SOURCE as QB
from pipeline.demo_data.quickbooks import QuickBooksWriter
from pipeline.demo_data.sheets import ACTIVITIES_SOURCE, LEADS_SOURCE, SheetsWriter
from pipeline.demo_data.world import Population
from pipeline.demo_data.writers import CsvWriter, Truth

logger = logging.getLogger(__name__)

LONG: Final = "Lorem ipsum dolor sit amet " * 240  # 6,480 characters


def plant_quickbooks(k: int, r: random.Random, pop: Population, qb: QuickBooksWriter, truth: Truth) -> None:
    day = qb.market.day(100)
    for n in range(k):
        i = n % len(pop)
        kind = n % 7
        if kind in (3, 5):
            obj: dict[str, Any] = {
                "Id": qb.take_id("Invoice"), "SyncToken": "0", "DocNumber": f"X{n}", "TxnDate": day.isoformat(),
                "CustomerRef": {"value": "1"}, "TotalAmt": 12.0,
                "Line": [{"Id": "1", "LineNum": 1, "Amount": 12.0, "DetailType": "SalesItemLineDetail",
                          "SalesItemLineDetail": {"ItemRef": {"value": "8"}, "UnitPrice": 6.0, "Qty": 2}}],
            }  # fmt: skip
            if kind == 3:
                obj["Line"][0]["SalesItemLineDetail"]["Qty"] = "three"
                rule, field = "type", "Line.SalesItemLineDetail.Qty"
            else:
                obj["TxnDate"] = f"31/02/{day.year}"
                rule, field = "date_format", "TxnDate"
            qb.add("Invoice", obj, pop.true_id(i))
            truth.bad(QB, "Invoice", obj["Id"], rule, field)
            continue
        cust = qb.customer(r, pop, i, False, day)
        cust["Balance"] = 0.0
        if kind == 0:
            cust["PrimaryPhone"] = {"FreeFormNumber": "12345"}
            rule, field = "phone_format", "PrimaryPhone.FreeFormNumber"
        elif kind == 1:
            cust["PrimaryEmailAddr"] = {"Address": "accounts@@" + pop.domain[i]}
            rule, field = "email_format", "PrimaryEmailAddr.Address"
        elif kind == 2:
            del cust["DisplayName"]
            rule, field = "required", "DisplayName"
        elif kind == 4:
            cust["DisplayName"] = LONG[:600]
            rule, field = "too_long", "DisplayName"
        else:
            del cust["Id"]
            page, pos = qb.out["Customer"].add(cust)
            key = f"nokey:{page}#{pos}"
            truth.record(QB, "Customer", key, pop.true_id(i))
            truth.bad(QB, "Customer", key, "required", "Id")
            continue
        qb.add("Customer", cust, pop.true_id(i))
        truth.bad(QB, "Customer", cust["Id"], rule, field)


def plant_sheets(k: int, r: random.Random, pop: Population, sheets: SheetsWriter, truth: Truth) -> None:
    for n in range(k):
        i = n % len(pop)
        row: list[Any] = [sheets.next_lead_id(), noise.company(r, pop.core[i], pop.suffix[i], 0.0), pop.given[i],
                          pop.email[i], noise.phone(r, pop.phone[i]), "Leeds", None, "new", 1500, pop.rep[i],
                          dt.datetime(2024, 5, 1), ""]  # fmt: skip
        rule, field, col = (
            ("phone_format", "Phone", 4), ("email_format", "Email", 3), ("required", "Company", 1),
            ("type", "Est. Value (£)", 8), ("too_long", "Company", 1), ("date_format", "Last Contact", 10),
        )[n % 6]  # fmt: skip
        row[col] = {"Phone": "12345", "Email": "sales at example.co.uk", "Est. Value (£)": "about twelve hundred",
                    "Last Contact": "31/02/2024"}.get(field, LONG[:300] if rule == "too_long" else None)  # fmt: skip
        key = sheets.lead_row(row, pop.true_id(i))
        truth.bad(LEADS_SOURCE, "Lead", key, rule, field)
    for n in range(k):
        i = n % len(pop)
        values = [
            "01/03/2024 10:00",
            "Call",
            pop.company[i],
            "",
            pop.email[i],
            pop.rep[i],
            "Called re: order",
        ]
        rule, field = (("email_format", "Email"), ("required", "Date"), ("date_format", "Date"), ("too_long", "Notes"),
                       ("parse", ""), ("enum", "Type"))[n % 6]  # fmt: skip
        if rule == "parse":
            line = sheets.activities.add_raw('01/03/2024 10:00,Call,"Broken, Ltd",x,y,z,q,extra,fields')
            key = f"line-{line}"
            truth.record(ACTIVITIES_SOURCE, "Activity", key, pop.true_id(i))
        else:
            col = {"Email": 4, "Date": 0, "Notes": 6, "Type": 1}[field]
            values[col] = {"email_format": "orders@", "required": "", "date_format": "yesterday-ish",
                           "too_long": LONG, "enum": "Lunch"}[rule]  # fmt: skip
            key = sheets.activity_row(values, pop.true_id(i))
        truth.bad(ACTIVITIES_SOURCE, "Activity", key, rule, field)


def plant_instagram(k: int, r: random.Random, pop: Population, ig: InstagramWriter, truth: Truth) -> None:
    src = "instagram"
    for n in range(k):
        i = n % len(pop)
        uid = str(6_000_000_000 + n)
        kind = n % 8
        if kind == 7:
            line = ig.profiles.add_raw('{"graphql": {"user": {"id": "' + uid + '", "username": "broken_')
            key = f"nokey:profiles.jsonl#line-{line}"
            truth.record(src, "Profile", key, pop.true_id(i))
            truth.bad(src, "Profile", key, "parse", "")
            continue
        user: dict[str, Any] = {"id": uid, "username": f"planted_{n}", "full_name": pop.company[i],
                                "business_email": pop.email[i], "business_phone_number": None,
                                "edge_followed_by": {"count": 120}, "edge_owner_to_timeline_media": {"count": 0, "edges": []}}  # fmt: skip
        if kind < 4:
            rule, field = (("email_format", "business_email"), ("phone_format", "business_phone_number"),
                           ("type", "edge_followed_by.count"), ("required", "username"))[kind]  # fmt: skip
            bad = copy.deepcopy(user)
            if kind == 0:
                bad["business_email"] = "not-an-email"
            elif kind == 1:
                bad["business_phone_number"] = "+44 12"
            elif kind == 2:
                bad["edge_followed_by"]["count"] = "1.2k"
            else:
                del bad["username"]
            ig.profiles.add({"graphql": {"user": bad}})
            truth.record(src, "Profile", uid, pop.true_id(i))
            truth.bad(src, "Profile", uid, rule, field)
            continue
        ig.comment_count += 1
        cid = str(16_000_000_000_000_000 + n)
        node: dict[str, Any] = {"id": cid, "text": "Great cups", "created_at": ig.end_ts - 86400,
                                "owner": {"id": ig.user_id(pop.first + i), "username": pop.handle[i] or "someone"}}  # fmt: skip
        rule, field = {4: ("too_long", "text"), 5: ("required", "text"), 6: ("date_format", "created_at")}[
            kind
        ]
        if kind == 4:
            node["text"] = LONG[:3000]
        elif kind == 5:
            del node["text"]
        else:
            node["created_at"] = "yesterday"
        code, taken = ig.own_posts[0]
        media = {"id": "3100000000000000000", "shortcode": code, "taken_at_timestamp": taken,
                 "edge_media_to_parent_comment": {"count": 1, "edges": [{"node": node}]}}  # fmt: skip
        ig.comments.add({"data": {"shortcode_media": media}, "status": "ok"})
        truth.record(src, "Comment", cid, pop.true_id(i))
        truth.bad(src, "Comment", cid, rule, field)


def plant_directory(
    k: int, r: random.Random, pop: Population, directory: DirectoryWriter, truth: Truth
) -> None:
    for n in range(k):
        i = n % len(pop)
        key = directory.listing_id()
        values: dict[str, Any] = {"name": pop.company[i], "phone": noise.phone(r, pop.phone[i], 0), "rating": "4.0",
                                  "postcode": pop.postcode[i]}  # fmt: skip
        rule, field = (("phone_format", "phone"), ("required", "name"), ("type", "rating"), ("too_long", "name"),
                       ("postcode_format", "postcode"))[n % 5]  # fmt: skip
        values[field] = {"phone_format": "01234", "required": None, "type": "five stars", "too_long": LONG[:400],
                         "postcode_format": "XYZ 123"}[rule]  # fmt: skip
        fragment = listing_html(key, values["name"], "1 High Street", "Leeds", values["postcode"], values["phone"],
                                None, "Business Services", values["rating"], 3)  # fmt: skip
        directory.add(fragment, key, pop.true_id(i))
        truth.bad("directory", "Listing", key, rule, field)


def plant_campaigns(k: int, camp: CsvWriter, daily: CsvWriter, truth: Truth) -> None:
    src = "campaigns"
    for n in range(k):
        cid = f"CMP-{9001 + n}"
        kind = n % 7
        if kind < 3:
            row = [cid, f"Planted {n}", "google_ads", "2024-01-01", "2024-01-31", "1000.00"]
            rule, field, col = (
                ("type", "budget", 5),
                ("required", "name", 1),
                ("date_format", "start_date", 3),
            )[kind]
            row[col] = {"type": "lots", "required": "", "date_format": "2024-13-45"}[rule]
            camp.add(row)
            truth.record(src, "Campaign", cid, "")
            truth.bad(src, "Campaign", cid, rule, field)
            continue
        row = [cid, "2024-01-02", "12.50", "1000", "20", "1"]
        if kind == 6:
            key = f"line-{daily.add_raw(f'{cid},2024-01-02,12.50,1000')}"
            rule, field = "parse", ""
        else:
            rule, field, col = {
                3: ("type", "clicks", 4),
                4: ("date_format", "date", 1),
                5: ("required", "spend", 2),
            }[kind]
            row[col] = {"type": "abc", "date_format": "yesterday", "required": ""}[rule]
            daily.add(row)
            key = f"{cid}:{row[1]}"
        truth.record(src, "CampaignDaily", key, "")
        truth.bad(src, "CampaignDaily", key, rule, field)
