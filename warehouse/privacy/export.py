"""Subject access export (GDPR art. 15, CCPA right to know): everything held about one person, as JSON and CSV.

The tables come from :mod:`warehouse.privacy.subject` (found from the schema, so a table added later is
covered; the event log ``evt_log`` is included when it exists). Landed payloads are parsed back to the
records their sources sent; the files under the platform's var directory that mention the person are listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warehouse.engine import Warehouse
from warehouse.privacy.files import files_mentioning
from warehouse.privacy.pseudonym import sweep_values
from warehouse.privacy.requests import check_customer, complete_request, open_request, utc_now
from warehouse.privacy.subject import find_subject, subject_rows, tables
from warehouse.privacy.values import identifying_values
from warehouse.users import record_audit

logger = logging.getLogger(__name__)

#: Sections of the document, by table-name prefix (the rest is "other": tables added later, such as evt_log).
SECTIONS = (
    ("landing", ("land_",)),
    ("staging", ("stg_",)),
    ("golden", ("dim_customer", "customer_xref", "golden_field")),
    ("identity", ("identity_",)),
    ("facts", ("fact_",)),
    ("marts_and_scores", ("mart_", "customer_relationship")),
    ("privacy", ("privacy_",)),
    ("events", ("evt_",)),
    ("operations", ("ops_",)),
)


def section(table: str) -> str:
    """The export section a table's rows go to."""
    for name, prefixes in SECTIONS:
        if table.startswith(prefixes):
            return name
    return "other"


def export_subject(
    warehouse: Warehouse,
    customer_key: int,
    out_dir: Path,
    var_dir: Path | None = None,
    by: str = "system",
    now: Callable[[], dt.datetime] = utc_now,
) -> Path:
    """Write ``customer-<key>.json`` (one document, every section) and ``customer-<key>/<table>.csv`` under
    ``out_dir``; returns the JSON file. The request is kept in ``privacy_request`` and audited."""
    with warehouse.begin() as conn:
        check_customer(conn, customer_key)
        request_id = open_request(conn, "access", customer_key, by, now())
        subject = find_subject(conn, customer_key)
        every_table = tables(conn)
        held = {t.name: subject_rows(conn, t, subject) for t in every_table}
        held = {name: rows for name, rows in held.items() if rows}
        values = identifying_values(conn, subject, every_table)
        complete_request(conn, request_id, now(), {"rows": {n: len(r) for n, r in held.items()}})
    for row in held.get("land_record", []):
        row["payload"] = json.loads(row["payload"])
    files = files_mentioning(var_dir, sweep_values(values)) if var_dir is not None else {}
    document: dict[str, Any] = {
        "customer_key": customer_key,
        "generated_at": now().isoformat(timespec="seconds"),
        "request_id": request_id,
        "source_records": sorted(f"{s}|{e}|{k}" for s, e, k in subject.landed),
        "sections": {},
        "files": [{"path": str(p), "mentions": len(hits)} for p, hits in sorted(files.items())],
    }
    for name, rows in sorted(held.items()):
        document["sections"].setdefault(section(name), {})[name] = rows
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"customer-{customer_key}.json"
    path.write_text(
        json.dumps(document, indent=2, sort_keys=True, default=str, ensure_ascii=False), encoding="utf-8"
    )
    _write_csv(out_dir / f"customer-{customer_key}", held)
    record_audit(warehouse, by, "privacy_export", f"customer:{customer_key}", f"request {request_id}", now)
    logger.info("customer %d exported: %d tables to %s", customer_key, len(held), path)
    return path


def _write_csv(folder: Path, held: dict[str, list[dict[str, Any]]]) -> None:
    """One CSV per table; JSON values (landed payloads) as JSON text."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in held.items():
        columns = list(rows[0])
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row[c]) for c in columns])


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "" if value is None else value
