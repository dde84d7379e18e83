"""Access tokens, refresh tokens and API keys: what a client holding each can and cannot do."""

from __future__ import annotations

import base64
import json

import jwt
from flask.testing import FlaskClient

from api.v1.tokens import KeySet
from tests.unit.api.api_helpers import Clock, bearer, sign_in
from warehouse.engine import Warehouse
from warehouse.schema import app_api_key


def test_a_signed_in_client_reads_with_its_access_token(client: FlaskClient) -> None:
    tokens = sign_in(client, "manager")
    me = client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json == {
        "subject": me.json["subject"],
        "username": "manager",
        "role": "manager",
        "rep_key": None,
        "sees_personal_data": True,
    }
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 15 * 60


def test_wrong_password_and_missing_token_are_401_in_the_error_shape(client: FlaskClient) -> None:
    wrong = client.post("/api/v1/auth/token", json={"username": "manager", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json["error"]["message"] == "wrong username or password"
    anonymous = client.get("/api/v1/customers")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json["error"]["request_id"] == anonymous.headers["X-Request-ID"]


def test_an_expired_access_token_is_refused(client: FlaskClient, clock: Clock) -> None:
    tokens = sign_in(client, "manager")
    clock.advance(minutes=15, seconds=1)
    answer = client.get("/api/v1/me", headers=bearer(tokens))
    assert answer.status_code == 401 and "expired" in answer.json["error"]["message"]


def _claims(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def test_forged_tokens_are_refused(client: FlaskClient) -> None:
    tokens = sign_in(client, "sales_rep")
    claims = _claims(tokens["access_token"]) | {"role": "admin"}
    other_key = KeySet({"k0": b"x" * 32}, "k0")  # the right key id, the wrong secret
    forged = jwt.encode(claims, other_key.keys["k0"], algorithm="HS256", headers={"kid": "k0"})
    unknown_kid = jwt.encode(claims, b"y" * 32, algorithm="HS256", headers={"kid": "attacker"})
    header, _, signature = tokens["access_token"].partition(".")
    edited_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = f"{header}.{edited_body}.{signature.partition('.')[2]}"
    for token in (forged, unknown_kid, tampered, "not.a.token"):
        answer = client.get("/api/v1/customers/1", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
        assert "customer" not in answer.json


def test_alg_none_tokens_are_refused(client: FlaskClient) -> None:
    tokens = sign_in(client, "manager")
    claims = _claims(tokens["access_token"])
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k0"})  # type: ignore[arg-type]
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert answer.status_code == 401 and "'none' is not accepted" in answer.json["error"]["message"]


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_sign_in(client: FlaskClient) -> None:
    first = sign_in(client, "manager")
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second.json)).status_code == 200
    # The first refresh token is presented again (someone copied it): the family is revoked.
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and "revoked" in reused.json["error"]["message"]
    assert client.get("/api/v1/me", headers=bearer(second.json)).status_code == 401
    later = client.post("/api/v1/auth/refresh", json={"refresh_token": second.json["refresh_token"]})
    assert later.status_code == 401
    other = sign_in(client, "manager")  # another sign-in of the same user is not affected
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_signing_out_ends_the_access_and_refresh_tokens(client: FlaskClient) -> None:
    tokens = sign_in(client, "analyst")
    assert client.post("/api/v1/auth/revoke", headers=bearer(tokens)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


def test_an_api_key_is_shown_once_kept_hashed_and_reads_with_its_role(
    client: FlaskClient, api_warehouse: Warehouse
) -> None:
    admin = bearer(sign_in(client, "admin"))
    created = client.post("/api/v1/api-keys", json={"name": "website", "role": "analyst"}, headers=admin)
    assert created.status_code == 201
    key = created.json["key"]
    stored = api_warehouse.rows(app_api_key.select())
    assert len(stored) == 1 and key not in json.dumps(stored, default=str)
    listed = client.get("/api/v1/api-keys", headers=admin).json
    assert [k["name"] for k in listed] == ["website"] and "key" not in listed[0]
    page = client.get("/api/v1/customers?limit=1", headers={"X-API-Key": key})
    assert page.status_code == 200 and "•••" in page.json["items"][0]["email"]  # analysts see e-mails masked
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 403
    assert client.delete(f"/api/v1/api-keys/{created.json['key_id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    wrong = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    assert client.get("/api/v1/me", headers={"X-API-Key": wrong}).status_code == 401


def test_only_administrators_create_api_keys(client: FlaskClient) -> None:
    manager = bearer(sign_in(client, "manager"))
    refused = client.post("/api/v1/api-keys", json={"name": "x", "role": "admin"}, headers=manager)
    assert refused.status_code == 403 and refused.json["error"]["code"] == 403
