"""The alert rules, dashboard and adapter rule name only series /metrics really exposes, and every runbook exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from app import create_app
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings

ROOT = Path(__file__).resolve().parents[3]
MONITORING = ROOT / "deploy" / "monitoring"
SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def _families(tmp_path: Path) -> set[str]:
    app = create_app(portal_settings(tmp_path), build_portal_warehouse(tmp_path / "warehouse.db"))
    text = app.server.test_client().get("/metrics").get_data(as_text=True)
    return {_family(n) for n in re.findall(r"^# TYPE (\S+) ", text, flags=re.M)}


def _family(series: str) -> str:
    for suffix in SUFFIXES:
        if series.endswith(suffix):
            return series[: -len(suffix)]
    return series


def _names(text: str) -> set[str]:
    return {_family(n) for n in re.findall(r"\bc360_[a-z_]+", text)}


def test_every_alert_has_a_severity_a_summary_and_a_runbook_section() -> None:
    rules = [r for g in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    assert len(rules) >= 10
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.+)$", (ROOT / "docs" / "operations.md").read_text(), flags=re.M)
    }
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["runbook"].split("#")[1] in anchors, rule["alert"]


def test_rules_dashboard_and_autoscaling_use_only_series_that_metrics_exposes(tmp_path: Path) -> None:
    exposed = _families(tmp_path)
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = "\n".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    used = {
        "alerts": _names((MONITORING / "alerts.yml").read_text()),
        "dashboard": _names(exprs),
        "adapter": _names((MONITORING / "prometheus-adapter.yaml").read_text())
        - {"c360_http_requests_per_second"},
    }
    for where, names in used.items():
        assert names and names <= exposed, f"{where}: {sorted(names - exposed)}"
    assert {"c360_http_requests", "c360_pipeline_step_duration_seconds", "c360_model_metric_drift"} <= exposed
