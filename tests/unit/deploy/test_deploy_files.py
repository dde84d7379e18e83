"""The Dockerfile, checked offline (no Docker engine runs here), and the SQL Server engine the image talks to."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from warehouse.engine import make_engine
from warehouse.queries import kpi_summary_query

ROOT = Path(__file__).resolve().parents[3]


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


def test_dockerfile_installs_dependencies_in_their_own_stage_and_runs_as_a_non_root_user() -> None:
    lines = _lines(ROOT / "Dockerfile")
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(stages) == 2 and lines[stages[1]].endswith("AS runtime")
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    copy_source = next(i for i, line in enumerate(lines) if line.startswith("COPY --chown=root:root"))
    assert stages[0] < install < stages[1] < copy_source  # code changes never reinstall the dependencies
    assert "COPY --from=deps /opt/venv /opt/venv" in lines
    assert lines[next(i for i, line in enumerate(lines) if line.startswith("USER "))] == "USER 10001"
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert any("/healthz" in line for line in lines)
    assert lines[-1] == 'CMD ["web"]'


def test_one_image_runs_the_web_tier_the_scheduler_or_a_pipeline_command() -> None:
    entry = (ROOT / "deploy" / "docker" / "entrypoint.sh").read_text(encoding="utf-8")
    assert '"app:create_server()"' in entry
    assert "scheduler) exec python -m pipeline schedule" in entry
    assert 'pipeline) exec python -m pipeline "$@"' in entry
    assert 'backup) exec python -m warehouse.backup "$@"' in entry


def test_dockerignore_keeps_secrets_data_and_virtualenvs_out_of_the_image() -> None:
    ignored = set(_lines(ROOT / ".dockerignore"))
    assert {".venv", ".env", "var", "*.db", "**/secrets", "**/portal-secret-key", ".git"} <= ignored


def test_streams_image_builds_from_the_shared_event_schemas_and_drops_root() -> None:
    lines = _lines(ROOT / "streams" / "Dockerfile")
    assert "COPY pipeline/events/schemas /src/pipeline/events/schemas" in lines
    assert "USER 10001" in lines
    assert lines[-1] == 'ENTRYPOINT ["java", "-jar", "/app/c360-streams.jar"]'


def test_sql_server_urls_build_an_engine_and_portal_queries_compile_to_tsql() -> None:
    engine = make_engine("mssql+pyodbc://c360:secret@warehouse-dsn")
    assert engine.dialect.name == "mssql"
    sql = str(kpi_summary_query(dt.date(2026, 11, 27)).compile(dialect=mssql.dialect()))
    assert "mart_kpi_daily" in sql
    assert isinstance(engine, sa.engine.Engine)
