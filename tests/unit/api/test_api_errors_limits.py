"""One error body for every API error, request ids echoed, and per-client rate limits."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.unit.api.api_helpers import Clock, api_app, bearer, sign_in
from warehouse.engine import Warehouse


def _shape(answer: object) -> dict[str, object]:
    body = answer.json  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details", "request_id"}
    assert body["error"]["code"] == answer.status_code  # type: ignore[attr-defined]
    return dict(body["error"])


def test_every_api_error_has_one_shape_and_the_request_id(client: FlaskClient) -> None:
    headers = bearer(sign_in(client, "manager")) | {"X-Request-ID": "trace-42"}
    missing = client.get("/api/v1/customers/424242", headers=headers)
    assert missing.status_code == 404 and _shape(missing)["request_id"] == "trace-42"
    assert missing.headers["X-Request-ID"] == "trace-42"
    wrong_method = client.put("/api/v1/customers", headers=headers)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    _shape(wrong_method)
    invalid = client.get("/api/v1/customers?limit=0&sort=shoe", headers=headers)
    assert invalid.status_code == 422
    assert set(_shape(invalid)["details"]["query"]) == {"limit", "sort"}  # type: ignore[index]
    unknown_field = client.post("/api/v1/identity/match", json={"nme": "x"}, headers=headers)
    assert unknown_field.status_code == 422 and "nme" in _shape(unknown_field)["details"]["json"]  # type: ignore[index]
    no_route = client.get("/api/v1/nothing-here", headers=headers)
    assert no_route.status_code == 404 and _shape(no_route)["request_id"] == "trace-42"
    bad_id = client.get("/api/v1/me", headers=headers | {"X-Request-ID": "<script>"})
    assert bad_id.headers["X-Request-ID"] != "<script>" and len(bad_id.headers["X-Request-ID"]) == 32


def test_a_client_over_its_rate_limit_gets_429_json_with_quota_headers(
    api_warehouse: Warehouse, tmp_path: Path, clock: Clock
) -> None:
    client = api_app(api_warehouse, tmp_path, clock, api_rate_limit="3 per minute").server.test_client()
    tokens = sign_in(client, "manager")  # signing in counts against the address, not the token
    answers = [client.get("/api/v1/me", headers=bearer(tokens)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    limited = answers[3]
    assert limited.headers["X-RateLimit-Limit"] == "3" and int(limited.headers["Retry-After"]) > 0
    assert "rate limit" in _shape(limited)["message"].lower()  # type: ignore[union-attr]
    other = sign_in(client, "analyst")  # another client has its own quota
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_the_openapi_document_and_docs_page_need_no_sign_in_and_load_nothing_from_elsewhere(
    client: FlaskClient,
) -> None:
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    assert (
        "/api/v1/customers" in spec.json["paths"] and "bearer" in spec.json["components"]["securitySchemes"]
    )
    page = client.get("/api/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/customers/{customer_key}" in text
    assert "http://" not in text and "https://" not in text
    assert client.get("/api/docs/docs.js").status_code == 200
