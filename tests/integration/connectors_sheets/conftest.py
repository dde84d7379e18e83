"""Fixtures for the google_sheet tests: the demo leads workbook served by a local Sheets API server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from openpyxl import load_workbook

from pipeline.connectors.spreadsheet.reader import cell_text
from pipeline.demo_data import Options, generate
from pipeline.records import SourceConfig
from tests.integration.connectors_sheets.fake_sheets import SheetsState, serve

SHEET_ID = "1MiracleLeadsSheetId0000000000000000000000"
NOW = dt.datetime(2025, 7, 1, 9, 0)


@pytest.fixture(scope="session")
def demo_rows(tmp_path_factory: pytest.TempPathFactory) -> list[list[str]]:
    """The demo company's leads sheet (header + rows) as the Sheets API would format it."""
    out = tmp_path_factory.mktemp("demo-sheets")
    generate(out, Options(customers=120, seed=11, end=dt.date(2025, 6, 30), malformed=0))
    book = load_workbook(out / "sheets" / "leads.xlsx", read_only=True, data_only=True)
    try:
        return [[cell_text(c) for c in row] for row in book["Leads"].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly generated RSA key, as the private key of a test service account."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path_factory.mktemp("sa") / "key.pem"
    path.write_text(pem, encoding="utf-8")
    return path


@pytest.fixture()
def sheets(demo_rows: list[list[str]]) -> Iterator[tuple[SheetsState, str]]:
    state = SheetsState(SHEET_ID, "Leads", [list(r) for r in demo_rows])
    with serve(state) as url:
        yield state, url


@pytest.fixture()
def source(
    sheets: tuple[SheetsState, str], key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SourceConfig:
    """A google_sheet source pointed at the local server, its service account in the environment."""
    _, url = sheets
    info: dict[str, Any] = {
        "type": "service_account",
        "project_id": "miracle-c360-test",
        "private_key_id": "test-key-1",
        "private_key": key_file.read_text(encoding="utf-8"),
        "client_email": "c360-reader@miracle-c360-test.iam.gserviceaccount.com",
        "client_id": "1000000000000000000",
        "token_uri": f"{url}/token",
    }
    (tmp_path / "sa.json").write_text(json.dumps(info), encoding="utf-8")
    monkeypatch.setenv("C360_TEST_SHEETS_KEY", str(tmp_path / "sa.json"))
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # backoff waits, instantly
    options = {
        "spreadsheet_id": SHEET_ID,
        "sheet": "Leads",
        "key_column": "Lead ID",
        "entity": "Lead",
        "credentials_env": "C360_TEST_SHEETS_KEY",
        "endpoint": url,
        "page_rows": 20,
        "state_dir": str(tmp_path / "state"),
        "lawful_basis": "legitimate_interests",
        "terms_of_service": "internal sales workbook",
    }
    return SourceConfig("sales_leads_live", "google_sheet", None, options)
