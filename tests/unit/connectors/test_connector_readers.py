"""Readers keep everything: unparseable rows come back with their raw text under a stable synthetic key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from openpyxl import Workbook

from pipeline.connectors import CONNECTORS
from pipeline.records import SourceConfig


def read(kind: str, path: Path, **options: object) -> list[tuple[str, str, dict[str, object]]]:
    config = SourceConfig("src", kind, path, options)
    return [(r.entity, r.source_key, dict(r.payload)) for r in CONNECTORS[kind].read(config)]


def test_csv_broken_line_is_kept_with_its_raw_text(tmp_path: Path) -> None:
    (tmp_path / "campaigns.csv").write_text(
        'campaign_id,name,channel,start_date,end_date,budget\nC1,"Spring, 1",email,2025-01-01,2025-01-05,100\n'
        "C2,too,few\n\n,Nameless,meta,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "daily.csv").write_text(
        "campaign_id,date,spend,impressions,clicks,conversions\nC1,2025-01-01,20,1,1,0\n"
    )
    assert read("campaign_csv", tmp_path) == [
        ("Campaign", "C1", {"campaign_id": "C1", "name": "Spring, 1", "channel": "email", "start_date": "2025-01-01",
                            "end_date": "2025-01-05", "budget": "100"}),
        ("Campaign", "line-3", {"_unparsed": "C2,too,few", "_error": "campaigns.csv line 3: expected 6 fields, found 3"}),
        ("Campaign", "line-5", {"campaign_id": "", "name": "Nameless", "channel": "meta", "start_date": "",
                                "end_date": "", "budget": ""}),
        ("CampaignDaily", "C1:2025-01-01", {"campaign_id": "C1", "date": "2025-01-01", "spend": "20", "impressions": "1",
                                            "clicks": "1", "conversions": "0"}),
    ]  # fmt: skip


def test_quickbooks_objects_without_id_and_broken_pages(tmp_path: Path) -> None:
    (tmp_path / "Customer").mkdir()
    page = {
        "QueryResponse": {
            "Customer": [{"Id": "1", "DisplayName": "A"}, {"DisplayName": "B"}],
            "startPosition": 1,
        }
    }
    (tmp_path / "Customer" / "page-00001.json").write_text(json.dumps(page))
    (tmp_path / "Customer" / "page-00002.json").write_text('{"QueryResponse": {"Customer": [')
    records = read("quickbooks_export", tmp_path, entities=["Customer", "Invoice"])
    assert [(e, k) for e, k, _ in records] == [
        ("Customer", "1"),
        ("Customer", "nokey:Customer/page-00001.json#1"),
        ("Customer", "nokey:Customer/page-00002.json"),
    ]
    assert records[2][2]["_unparsed"] == '{"QueryResponse": {"Customer": ['


def test_xlsx_rows_become_strings_as_people_see_them(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Leads"
    sheet.append(["Lead ID", "Company", "Est. Value (£)", "Last Contact", "Phone"])
    sheet.append(["L-1", "Bluebell Cafe", 1500.0, dt.datetime(2025, 4, 3), 2079460123])
    sheet.append([None, None, None, None, None])
    sheet.append([None, "No Id Ltd", "£1,200", "03/04/2025", "020 7946 0123"])
    book.save(tmp_path / "leads.xlsx")
    assert read("spreadsheet", tmp_path / "leads.xlsx", entity="Lead", key_column="Lead ID") == [
        ("Lead", "L-1", {"Lead ID": "L-1", "Company": "Bluebell Cafe", "Est. Value (£)": "1500",
                         "Last Contact": "2025-04-03", "Phone": "2079460123"}),
        ("Lead", "row-4", {"Lead ID": "", "Company": "No Id Ltd", "Est. Value (£)": "£1,200",
                           "Last Contact": "03/04/2025", "Phone": "020 7946 0123"}),
    ]  # fmt: skip


def test_instagram_bad_lines_and_comment_pages(tmp_path: Path) -> None:
    (tmp_path / "profiles.jsonl").write_text(
        '{"graphql": {"user": {"id": 5, "username": "a"}}}\n{"graphql": \n'
    )
    page = {"data": {"shortcode_media": {"shortcode": "SC", "edge_media_to_parent_comment": {"edges": [
        {"node": {"id": "c1", "text": "hi"}}, {"node": {"text": "no id"}}, "junk"]}}}}  # fmt: skip
    (tmp_path / "comments.jsonl").write_text(json.dumps(page) + "\n[1, 2]\n")
    got = [(e, k) for e, k, _ in read("instagram_export", tmp_path)]
    assert got == [
        ("Profile", "5"),
        ("Profile", "nokey:profiles.jsonl#line-2"),
        ("Comment", "c1"),
        ("Comment", "nokey:comments.jsonl#line-1.1"),
        ("Comment", "nokey:comments.jsonl#line-1.2"),
        ("Comment", "nokey:comments.jsonl#line-2"),
    ]


def test_directory_follows_next_links_and_keys_listings_without_id(tmp_path: Path) -> None:
    card = '<div class="result" data-listing-id="{i}"><h2><a class="business-name"><span>{n}</span></a></h2></div>'
    (tmp_path / "page-1.html").write_text(
        card.format(i="a1", n="Alpha")
        + '<div class="pagination"><a class="next" href="page-2.html">Next</a></div>'
    )
    (tmp_path / "page-2.html").write_text(
        '<div class="result"><span class="phones">0113 496 0000</span></div>'
    )
    (tmp_path / "page-9.html").write_text(card.format(i="zz", n="Unlinked"))  # not reachable by links
    records = read("directory_html", tmp_path)
    assert [(k, p["name"], p["phone"]) for _, k, p in records] == [
        ("a1", "Alpha", None),
        ("nokey:page-2.html#0", None, "0113 496 0000"),
    ]
