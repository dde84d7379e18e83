"""Back the warehouse up, destroy it, restore it: every table's rows and checksum come back identical."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.backup import (
    BackupError,
    create_backup,
    list_backups,
    prune,
    restore_backup,
    sqlserver_scripts,
    table_sums,
)

ROOT = Path(__file__).resolve().parents[3]


def _destroy(url: str) -> None:
    """Drop every table, as a lost disk or a bad migration would leave the warehouse."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    engine.dispose()


def test_backup_destroy_restore_gives_back_identical_tables(warehouse_url: str, tmp_path: Path) -> None:
    build_portal_warehouse(warehouse_url).engine.dispose()
    before = table_sums(warehouse_url)
    assert before["mart_customer_kpi"].rows > 0 and before["app_user"].rows > 0
    backup = create_backup(warehouse_url, tmp_path / "backups", lambda: dt.datetime(2026, 3, 1, 1, 0))
    assert backup.name == "c360-20260301T010000" + (
        ".sqlite" if warehouse_url.startswith("sqlite") else ".pgdump"
    )

    _destroy(warehouse_url)
    assert table_sums(warehouse_url) == {}
    restored = restore_backup(backup, warehouse_url)
    assert restored == before
    assert table_sums(warehouse_url) == before


def test_a_restore_that_does_not_match_its_backup_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    build_portal_warehouse(tmp_path / "warehouse.db").engine.dispose()
    backup = create_backup(url, tmp_path / "backups")
    manifest = backup.with_name(backup.name + ".manifest.json")
    manifest.write_text(
        manifest.read_text().replace('"app_user": [', '"app_user": [999, "x", '), encoding="utf-8"
    )
    with pytest.raises(BackupError, match="app_user"):
        restore_backup(backup, url)


def test_retention_keeps_the_newest_backups(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    build_portal_warehouse(tmp_path / "warehouse.db").engine.dispose()
    folder = tmp_path / "backups"
    for day in range(1, 5):
        create_backup(url, folder, lambda day=day: dt.datetime(2026, 3, day, 1, 0))
    removed = prune(folder, 2)
    assert [p.name for p in removed] == ["c360-20260301T010000.sqlite", "c360-20260302T010000.sqlite"]
    assert [p.name for p in list_backups(folder)] == [
        "c360-20260303T010000.sqlite",
        "c360-20260304T010000.sqlite",
    ]
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".manifest.json")) == [
        "c360-20260303T010000.sqlite.manifest.json",
        "c360-20260304T010000.sqlite.manifest.json",
    ]


def test_sql_server_gets_checked_backup_and_restore_scripts(tmp_path: Path) -> None:
    backup, restore = sqlserver_scripts("c360", "/var/opt/mssql/backup/c360-20260301T010000.bak")
    assert "BACKUP DATABASE [c360] TO DISK = N'/var/opt/mssql/backup/c360-20260301T010000.bak'" in backup
    assert "CHECKSUM" in backup and "RESTORE VERIFYONLY" in backup
    assert "RESTORE DATABASE [c360]" in restore and "WITH REPLACE, CHECKSUM, RECOVERY" in restore
    made = create_backup("mssql+pyodbc://c360@sql.example/c360?driver=FreeTDS", tmp_path)
    assert (
        made.read_text(encoding="utf-8")
        == sqlserver_scripts("c360", f"/var/opt/mssql/backup/{made.name[:-4]}")[0]
    )


def test_the_command_line_creates_lists_and_restores(tmp_path: Path) -> None:
    build_portal_warehouse(tmp_path / "warehouse.db").engine.dispose()
    env = {**os.environ, "C360_VAR_DIR": str(tmp_path), "C360_DATABASE_URL": ""}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "warehouse.backup", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = cli("create")
    assert made.returncode == 0, made.stderr
    name = Path(made.stdout.strip()).name
    assert name in cli("list").stdout
    _destroy(f"sqlite:///{tmp_path / 'warehouse.db'}")
    restored = cli("restore", name)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"restore: {name} matches:")


def test_the_scheduled_backup_job_writes_a_backup_and_applies_retention(tmp_path: Path) -> None:
    from ops.leader import run_backup_job
    from tests.unit.portal.portal_data import portal_settings

    settings = portal_settings(tmp_path).model_copy(update={"backup_keep": 1})
    build_portal_warehouse(tmp_path / "warehouse.db").engine.dispose()
    old = create_backup(settings.warehouse_url, settings.backup_path, lambda: dt.datetime(2020, 1, 1))
    run_backup_job(settings)
    kept = list_backups(settings.backup_path)
    assert len(kept) == 1 and kept[0] != old  # the new one, the old one past retention removed
    assert restore_backup(kept[0], settings.warehouse_url) == table_sums(settings.warehouse_url)
