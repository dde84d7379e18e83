"""The Kubernetes manifests, rendered by Kustomize (kubectl) and validated offline against the API schemas."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.32"  # AKS's supported line


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in Kustomize) is needed: apt-get install kubectl"
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def by_key(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def pod_specs(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    specs = []
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            specs.append((d["metadata"]["name"], d["spec"]["template"]["spec"]))
        elif d["kind"] == "CronJob":
            specs.append((d["metadata"]["name"], d["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return specs


@pytest.mark.parametrize("overlay", ["production", "bluegreen"])
def test_every_manifest_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    docs = render(overlay)
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    kinds = {d["kind"] for d in docs}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "ConfigMap",
        "Secret",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "CronJob",
    } <= kinds
    assert all(d["metadata"].get("namespace") == "c360" for d in docs if d["kind"] != "Namespace")


@pytest.mark.parametrize("overlay", ["production", "bluegreen"])
def test_every_pod_runs_locked_down_with_requests_and_limits(overlay: str) -> None:
    for name, spec in pod_specs(render(overlay)):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}, name
            assert set(c["resources"]) == {"requests", "limits"}, name
            assert ":" in c["image"] and not c["image"].endswith(":latest"), name
            if name != "c360-pipeline":
                assert "livenessProbe" in c and "readinessProbe" in c, name


def test_web_tier_scales_on_cpu_and_requests_and_the_scheduler_stays_single() -> None:
    docs = by_key(render("production"))
    web = docs[("Deployment", "c360-web")]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["args"] == ["web"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = docs[("HorizontalPodAutoscaler", "c360-web")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "c360-web"
    metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
    assert metrics["Resource"]["resource"]["name"] == "cpu"
    assert metrics["Pods"]["pods"]["metric"]["name"] == "c360_http_requests_per_second"
    scheduler = docs[("Deployment", "c360-scheduler")]
    assert scheduler["spec"]["replicas"] == 1 and scheduler["spec"]["strategy"]["type"] == "Recreate"
    assert scheduler["spec"]["template"]["spec"]["containers"][0]["args"] == ["scheduler"]
    assert docs[("CronJob", "c360-pipeline")]["spec"]["concurrencyPolicy"] == "Forbid"
    assert docs[("HorizontalPodAutoscaler", "c360-streams")]["spec"]["maxReplicas"] == 6  # the partitions
    ingress = docs[("Ingress", "c360-web")]
    assert ingress["spec"]["tls"][0]["secretName"] == "c360-tls"
    assert not docs[("Secret", "c360-secrets")].get("data")  # values come from Key Vault, never from git
    assert docs[("NetworkPolicy", "c360-default-deny")]["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_bluegreen_runs_both_colours_and_the_service_selects_one() -> None:
    docs = by_key(render("bluegreen"))
    for colour in ("blue", "green"):
        deployment = docs[("Deployment", f"c360-web-{colour}")]
        assert deployment["spec"]["selector"]["matchLabels"]["color"] == colour
        assert docs[("HorizontalPodAutoscaler", f"c360-web-{colour}")]["spec"]["scaleTargetRef"]["name"] == (
            f"c360-web-{colour}"
        )
        assert (
            docs[("PodDisruptionBudget", f"c360-web-{colour}")]["spec"]["selector"]["matchLabels"]["color"]
            == colour
        )
    assert docs[("Service", "c360-web")]["spec"]["selector"]["color"] == "blue"
    assert docs[("Service", "c360-web-preview")]["spec"]["selector"]["color"] == "green"
