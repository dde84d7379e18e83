"""The Azure Terraform, checked offline: it parses (HCL2), is formatted, declares what it uses, and matches the platform."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2

from pipeline.events.broker import TOPICS

ROOT = Path(__file__).resolve().parents[3]
TF = ROOT / "deploy" / "terraform"


def _unquote(value: str) -> str:
    return value.strip('"')


def load() -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(TF.glob("*.tf")):
        with path.open(encoding="utf-8") as f:
            for key, blocks in hcl2.load(f).items():
                if key != "__comments__":
                    merged.setdefault(key, []).extend(blocks)
    return merged


def resources(tf: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for block in tf["resource"]:
        for kind, named in block.items():
            for name, body in named.items():
                found[(_unquote(kind), _unquote(name))] = body
    return found


def test_terraform_is_formatted_as_terraform_fmt_writes_it() -> None:
    terraform = shutil.which("terraform")
    assert terraform, "the terraform CLI is needed for fmt (it needs no provider download)"
    done = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(TF)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_variable_used_is_declared_typed_and_described_and_outputs_are_described() -> None:
    tf = load()
    declared = {_unquote(k): v for block in tf["variable"] for k, v in block.items()}
    text = "\n".join(p.read_text(encoding="utf-8") for p in TF.glob("*.tf"))
    used = set(re.findall(r"\bvar\.([a-z_]+)", text))
    assert used <= set(declared), used - set(declared)
    assert set(declared) <= used, set(declared) - used  # nothing declared and forgotten
    for name, body in declared.items():
        assert body.get("description") and body.get("type"), name
    required = {name for name, body in declared.items() if "default" not in body}
    assert required == {"subscription_id", "sql_admin_group_object_id", "security_alert_emails"}
    outputs = {_unquote(k): v for block in tf["output"] for k, v in block.items()}
    assert {
        "kafka_bootstrap",
        "sql_server_fqdn",
        "key_vault_uri",
        "backup_container_url",
        "aks_cluster_name",
    } <= set(outputs)
    assert all(body.get("description") for body in outputs.values())


def test_the_cloud_has_what_the_platform_runs_on_and_nothing_is_public() -> None:
    found = resources(load())
    aks = found[("azurerm_kubernetes_cluster", "c360")]
    assert aks["network_profile"][0]["network_policy"] == '"azure"'  # NetworkPolicies are enforced
    assert aks["private_cluster_enabled"] is True and aks["local_account_disabled"] is True
    pool = found[("azurerm_kubernetes_cluster_node_pool", "apps")]
    assert pool["auto_scaling_enabled"] is True
    sql = found[("azurerm_mssql_server", "c360")]
    assert sql["public_network_access_enabled"] is False and sql["minimum_tls_version"] == '"1.2"'
    assert sql["azuread_administrator"][0]["azuread_authentication_only"] is True
    events = found[("azurerm_eventhub_namespace", "c360")]
    assert _unquote(events["sku"]) in {"Standard", "Premium"}  # Basic has no Kafka endpoint
    vault = found[("azurerm_key_vault", "c360")]
    assert vault["purge_protection_enabled"] is True and vault["public_network_access_enabled"] is False
    backups = found[("azurerm_storage_account", "backups")]
    assert backups["public_network_access_enabled"] is False and backups["https_traffic_only_enabled"] is True
    assert backups["blob_properties"][0]["versioning_enabled"] is True


def test_event_hubs_are_the_platforms_kafka_topics() -> None:
    hubs = next(block["hubs"] for block in load()["locals"] if "hubs" in block)
    assert {_unquote(k) for k in hubs} == set(TOPICS)
    for name, partitions in hubs.items():
        expected = TOPICS[_unquote(name)].partitions
        assert partitions == expected or (partitions == "${var.events_partitions}" and expected == 6)
