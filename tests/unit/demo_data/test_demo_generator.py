"""The demo data generator: deterministic for a seed, realistic in shape, and honest in its truth files."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import phonenumbers
import pytest
from openpyxl import load_workbook

from pipeline.demo_data import Drop, Options, generate, main
from pipeline.demo_data.market import build_market
from pipeline.demo_data.noise import phone
from pipeline.demo_data.world import make_population

END = dt.date(2025, 6, 30)


def digest(root: Path) -> dict[str, str]:
    """Hash of every file; workbooks by cell values (xlsx zips carry their save time)."""
    result = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
            data = repr(rows).encode()
        else:
            data = path.read_bytes()
        result[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return result


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 customers with a deep planted drop, enough to see shape in the numbers."""
    out = tmp_path_factory.mktemp("big")
    drop = Drop("London", dt.date(2025, 3, 3), 0.8)
    generate(out, Options(customers=3000, seed=5, end=END, drops=(drop,), malformed=3))
    return out


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    options = Options(customers=150, seed=9, end=END, malformed=4)
    generate(tmp_path / "a", options)
    generate(tmp_path / "b", options)
    generate(tmp_path / "c", Options(customers=150, seed=10, end=END, malformed=4))
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert len(a) > 10
    assert a["quickbooks/Customer/page-00001.json"] != c["quickbooks/Customer/page-00001.json"]


def test_sources_toml_describes_every_source(big: Path) -> None:
    sources = tomllib.loads((big / "sources.toml").read_text(encoding="utf-8"))["sources"]
    assert {s["type"] for s in sources} == {
        "quickbooks_export", "spreadsheet", "instagram_export", "directory_html", "campaign_csv",
    }  # fmt: skip
    for s in sources:
        assert s["lawful_basis"] and s["terms_of_service"]
        assert (big / s["path"]).exists()


def test_quickbooks_pages_are_query_responses(big: Path) -> None:
    page = json.loads((big / "quickbooks" / "Invoice" / "page-00002.json").read_text(encoding="utf-8"))
    response = page["QueryResponse"]
    assert response["startPosition"] == 1001 and response["maxResults"] == len(response["Invoice"]) <= 1000
    invoice = response["Invoice"][0]
    assert {
        "Id",
        "DocNumber",
        "TxnDate",
        "CustomerRef",
        "Line",
        "TotalAmt",
        "Balance",
        "DueDate",
        "CustomField",
    } <= set(invoice)
    assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    subtotal = sum(line["Amount"] for line in invoice["Line"][:-1])
    assert invoice["Line"][-1]["Amount"] == pytest.approx(subtotal)


def test_sales_end_on_the_end_date_with_weekday_seasonality(big: Path) -> None:
    days: Counter[dt.date] = Counter()
    for page in (big / "quickbooks" / "Invoice").glob("page-*.json"):
        for doc in json.loads(page.read_text(encoding="utf-8"))["QueryResponse"]["Invoice"]:
            if doc["TxnDate"][:1] == "2":
                days[dt.date.fromisoformat(doc["TxnDate"])] += 1
    assert max(days) == END
    assert min(days) == END - dt.timedelta(days=729)
    weekday = sum(n for d, n in days.items() if d.weekday() < 5) / 5
    weekend = sum(n for d, n in days.items() if d.weekday() >= 5) / 2
    assert weekday > 4 * weekend


def test_planted_drop_cuts_that_regions_week(big: Path) -> None:
    scenario = json.loads((big / "truth" / "scenario.json").read_text(encoding="utf-8"))
    assert scenario["plant_drops"] == [
        {"region": "London", "start": "2025-03-03", "end": "2025-03-09", "fraction": 0.8}
    ]
    london = set()
    for page in (big / "quickbooks" / "Customer").glob("page-*.json"):
        for c in json.loads(page.read_text(encoding="utf-8"))["QueryResponse"]["Customer"]:
            if c.get("BillAddr", {}).get("CountrySubDivisionCode") == "London":
                london.add(c["Id"])
    weeks: Counter[int] = Counter()
    start = dt.date(2025, 3, 3)
    for entity in ("Invoice", "SalesReceipt"):
        for page in (big / "quickbooks" / entity).glob("page-*.json"):
            for doc in json.loads(page.read_text(encoding="utf-8"))["QueryResponse"][entity]:
                if doc["CustomerRef"]["value"] in london and doc["TxnDate"][:1] == "2":
                    weeks[(dt.date.fromisoformat(doc["TxnDate"]) - start).days // 7] += 1
    around = (weeks[-2] + weeks[-1] + weeks[1] + weeks[2]) / 4
    assert weeks[0] < 0.5 * around


def test_scenario_records_curves_churners_and_matching_conversions(big: Path) -> None:
    scenario = json.loads((big / "truth" / "scenario.json").read_text(encoding="utf-8"))
    assert set(scenario["response_curves"]) == {"google_ads", "meta", "instagram", "email", "trade_show"}
    for curve in scenario["response_curves"].values():
        assert curve["alpha"] > 0 and curve["half_saturation_spend"] > 0 and curve["shape"] > 0
    assert any(c["pays_off"] for c in scenario["campaigns"]) and not all(
        c["pays_off"] for c in scenario["campaigns"]
    )
    churners = rows(big / "truth" / "churners.csv")
    assert len(churners) == scenario["churners"]["count"] > 0.1 * scenario["buyers"]
    conversions: Counter[str] = Counter()
    for r in rows(big / "campaigns" / "daily.csv"):
        if not r["campaign_id"].startswith("CMP-9") and r["conversions"].isdigit():
            conversions[r["campaign_id"]] += int(r["conversions"])
    assert {k: v for k, v in conversions.items() if v} == {
        k: v for k, v in scenario["actual_conversions_per_campaign"].items() if v
    }
    assert sum(conversions.values()) > 0.5 * sum(c["expected_new_customers"] for c in scenario["campaigns"])


def test_customers_appear_in_several_sources_with_stale_duplicates_and_prospects(big: Path) -> None:
    truth = rows(big / "truth" / "records.csv")
    sources = defaultdict(set)
    qb_customers: Counter[str] = Counter()
    for t in truth:
        if t["customer_id"]:
            sources[t["customer_id"]].add(t["source"])
        if t["source"] == "quickbooks" and t["entity"] == "Customer":
            qb_customers[t["customer_id"]] += 1
    assert sum(1 for s in sources.values() if len(s) >= 3) > 300
    assert sum(1 for n in qb_customers.values() if n == 2) > 50  # stale duplicate QuickBooks customers
    prospects = [c for c, s in sources.items() if "quickbooks" not in s]
    assert len(prospects) > 400
    assert all(sources[c] & {"sales_leads", "directory", "instagram", "sales_activities"} for c in prospects)


def test_noisy_phone_formats_are_valid_numbers(big: Path) -> None:
    pop = make_population(np.random.default_rng(1), 0, 400, build_market(1, 400, END, []))
    r = random.Random(3)
    for national in pop.phone:
        for style in range(7):
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone(r, national, style), "GB")), national


def test_cli_defaults_to_today_and_validates_drop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--customers", "30", "--seed", "1", "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["quickbooks"]["Item"] > 100
    scenario = json.loads((tmp_path / "truth" / "scenario.json").read_text(encoding="utf-8"))
    assert scenario["end"] == dt.date.today().isoformat()
    with pytest.raises(ValueError, match="unknown region"):
        Drop.parse("Atlantis:2025-01-01:0.3")
    assert Drop.parse("North West:2025-01-06:0.3") == Drop("North West", dt.date(2025, 1, 6), 0.3)


def test_two_processes_write_the_same_files_as_one(tmp_path: Path) -> None:
    options = Options(customers=700, seed=4, end=END, chunk=250)  # three chunks: pages and ids span them
    one = generate(tmp_path / "one", options, processes=1)
    two = generate(tmp_path / "two", options, processes=2)
    assert one["counts"] == two["counts"]
    assert digest(tmp_path / "one") == digest(tmp_path / "two")
    assert not (tmp_path / "two" / "truth" / ".parts").exists()
    truth = rows(tmp_path / "two" / "truth" / "records.csv")
    sources = [r["source"] for r in truth]
    assert sources[0] == "quickbooks" and sources[-1] == "campaigns"
    assert set(sources) == {
        "quickbooks",
        "sales_leads",
        "sales_activities",
        "instagram",
        "directory",
        "campaigns",
    }


def test_quickbooks_documents_are_written_as_json_dumps_writes_them(big: Path) -> None:
    for entity in ("Invoice", "SalesReceipt", "Payment"):
        text = (big / "quickbooks" / entity / "page-00001.json").read_text(encoding="utf-8")
        objects = json.loads(text)["QueryResponse"][entity]
        encoded = ",".join(json.dumps(o, ensure_ascii=False, separators=(",", ":")) for o in objects)
        assert f'"{entity}":[{encoded}]' in text  # same key order, escaping and number forms
