"""Identity match: is a new record a customer we know?"""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.unit.api.api_helpers import bearer, sign_in


def test_an_email_of_a_golden_record_is_a_match(client: FlaskClient) -> None:
    manager = bearer(sign_in(client, "manager"))
    answer = client.post(
        "/api/v1/identity/match", json={"email": "Buyer29@BristolBikes.example"}, headers=manager
    )
    assert answer.status_code == 200
    assert answer.json["status"] == "matched" and answer.json["customer_key"] == 29


def test_a_similar_name_gives_candidates_or_a_match(client: FlaskClient) -> None:
    manager = bearer(sign_in(client, "manager"))
    exact = client.post(
        "/api/v1/identity/match", json={"name": "Bristol Bikes Limited", "city": "Leeds"}, headers=manager
    )
    assert exact.json["status"] == "matched" and exact.json["customer_key"] == 29
    typo = client.post("/api/v1/identity/match", json={"name": "Bristol Bike Shop"}, headers=manager).json
    assert typo["status"] == "candidates" and typo["candidates"][0]["customer_key"] == 29
    stranger = client.post(
        "/api/v1/identity/match", json={"name": "Zebra Zoo Supplies"}, headers=manager
    ).json
    assert stranger == {"status": "none", "customer_key": None, "candidates": []}


def test_a_rep_is_not_told_about_another_reps_customer(client: FlaskClient) -> None:
    rep = bearer(sign_in(client, "sales_rep"))  # Alice Brown; customer 29 is Bob Singh's
    answer = client.post(
        "/api/v1/identity/match", json={"email": "buyer29@bristolbikes.example"}, headers=rep
    )
    assert answer.json["customer_key"] is None and answer.json["candidates"] == []
