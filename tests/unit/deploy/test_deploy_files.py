"""The Dockerfile and Kubernetes manifests, checked offline (no Docker engine runs here)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.dialects import mssql

from warehouse.engine import make_engine
from warehouse.queries import kpi_summary_query

ROOT = Path(__file__).resolve().parents[3]


def _manifests() -> list[dict]:
    docs = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def test_every_deployment_runs_as_non_root_with_probes_and_limits() -> None:
    deployments = [d for d in _manifests() if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"c360-portal", "c360-scheduler"}
    for d in deployments:
        spec = d["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert (
            d["spec"]["selector"]["matchLabels"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        )
        for container in spec["containers"]:
            assert container["resources"]["limits"] and container["resources"]["requests"]
            assert {"secretRef": {"name": "c360-secrets"}} in container["envFrom"]


def test_web_tier_scales_out_and_rolls_without_downtime_while_the_scheduler_stays_single() -> None:
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in _manifests()}
    portal = by_name[("Deployment", "c360-portal")]
    assert portal["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert (
        portal["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"]
        == "/api/health"
    )
    assert (
        by_name[("HorizontalPodAutoscaler", "c360-portal")]["spec"]["scaleTargetRef"]["name"] == "c360-portal"
    )
    assert by_name[("Deployment", "c360-scheduler")]["spec"]["replicas"] == 1


def test_dockerfile_installs_dependencies_before_the_source_and_drops_root() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    copy_all = lines.index("COPY . .")
    assert lines.index("COPY requirements.txt .") < install < copy_all
    assert any(line.startswith("USER ") and "root" not in line for line in lines)
    assert any(line.startswith("HEALTHCHECK") and "/api/health" in line for line in lines)
    assert "app:create_server()" in lines[-1]


def test_sql_server_urls_build_an_engine_and_portal_queries_compile_to_tsql() -> None:
    engine = make_engine("mssql+pyodbc://c360:secret@warehouse-dsn")
    assert engine.dialect.name == "mssql"
    import datetime as dt

    sql = str(kpi_summary_query(dt.date(2026, 11, 27)).compile(dialect=mssql.dialect()))
    assert "mart_kpi_daily" in sql
    assert isinstance(engine, sa.engine.Engine)
