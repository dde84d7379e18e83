"""``/api``: the health check and the one JSON error shape."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from app import create_app
from tests.unit.portal.portal_data import portal_settings, sign_in
from warehouse.engine import Warehouse


def test_health_reports_status_warehouse_and_version(client: FlaskClient) -> None:
    response = client.get("/api/health")  # no sign-in needed: load balancers call it
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "warehouse": {"reachable": True, "dialect": "sqlite"},
        "version": "0.1.0",
    }


def test_health_is_503_when_the_warehouse_is_unreachable(tmp_path: Path) -> None:
    (tmp_path / "not-a-db").mkdir()
    broken = Warehouse.from_url(f"sqlite:///{tmp_path / 'not-a-db'}")  # a directory cannot be opened
    response = create_app(portal_settings(tmp_path), broken).server.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["warehouse"]["reachable"] is False


def test_api_errors_share_one_shape(client: FlaskClient, signed_in: FlaskClient) -> None:
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.is_json
    error = missing.json["error"]
    assert (error["code"], error["message"], error["details"]) == (
        404,
        "No API route matches this URL.",
        None,
    )
    assert error["request_id"] == missing.headers["X-Request-ID"]
    wrong_method = client.post("/api/health")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == 405
    assert "GET" in wrong_method.headers["Allow"]


def test_unexpected_api_failures_are_json_500_without_internals(
    portal_warehouse: Warehouse, tmp_path: Path
) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals")

    server = create_app(portal_settings(tmp_path), portal_warehouse).server
    server.add_url_rule("/api/boom", endpoint="api.boom", view_func=boom)  # an API view that fails
    client = server.test_client()
    sign_in(client, "admin")
    response = client.get("/api/boom")
    assert response.status_code == 500
    error = response.json["error"]
    assert (error["code"], error["message"], error["details"]) == (500, "Internal Server Error", None)
    assert "secret" not in response.get_data(as_text=True)
