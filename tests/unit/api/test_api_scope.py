"""Row scope and masking through the API come from the portal's policy: what each role reads."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.unit.api.api_helpers import bearer, sign_in


def _walk(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    url = f"/api/v1/customers?limit=7{query}"
    while True:
        page = client.get(url, headers=headers)
        assert page.status_code == 200, page.json
        items += page.json["items"]
        if page.json["next_cursor"] is None:
            return items
        url = f"/api/v1/customers?limit=7{query}&cursor={page.json['next_cursor']}"


def test_a_rep_reads_only_their_own_customers(client: FlaskClient) -> None:
    rep = bearer(sign_in(client, "sales_rep"))  # linked to rep 1, Alice Brown: customers with even keys
    keys = {c["customer_key"] for c in _walk(client, rep)}
    assert keys == set(range(2, 31, 2))  # the 15 with revenue marts; her prospect has none
    assert {c["rep"] for c in _walk(client, rep)} == {"Alice Brown"}


def test_a_rep_reading_another_reps_customer_gets_404_and_no_data(client: FlaskClient) -> None:
    rep = bearer(sign_in(client, "sales_rep"))
    for path in ("", "/transactions", "/timeline", "/next-best-action"):
        answer = client.get(f"/api/v1/customers/3{path}", headers=rep)  # Bob Singh's customer
        assert answer.status_code == 404, path
        body = answer.get_data(as_text=True)
        assert "Customer 03" not in body and "buyer03" not in body
        assert set(answer.json) == {"error"}
    assert client.get("/api/v1/customers/99999", headers=rep).status_code == 404  # the same as a missing one
    own = client.get("/api/v1/customers/2", headers=rep)
    assert own.status_code == 200 and own.json["customer"]["email"] == "buyer02@shop.example"


def test_roles_without_personal_data_get_masked_fields(client: FlaskClient) -> None:
    for role in ("analyst", "marketing"):
        headers = bearer(sign_in(client, role))
        page = client.get("/api/v1/customers?limit=30&sort=customer_key", headers=headers)
        emails = [c["email"] for c in page.json["items"]]
        assert emails[0] == "b•••@shop.example" and all("•••" in e for e in emails)
        profile = client.get("/api/v1/customers/3", headers=headers).json
        assert profile["customer"]["email"] == "b•••@shop.example"
        refused = client.get("/api/v1/customers?email=buyer03@shop.example", headers=headers)
        assert refused.status_code == 400 and "masked" in refused.json["error"]["message"]
        found = client.get("/api/v1/customers?q=buyer03", headers=headers)  # masked fields do not match
        assert found.json["items"] == []
    manager = bearer(sign_in(client, "manager"))
    clear = client.get("/api/v1/customers?email=BUYER03@shop.example", headers=manager).json["items"]
    assert [(c["customer_key"], c["email"]) for c in clear] == [(3, "buyer03@shop.example")]


def test_filters_and_sorts_on_indexed_fields(client: FlaskClient) -> None:
    manager = bearer(sign_in(client, "manager"))
    by_name = client.get("/api/v1/customers?name=Customer%200&sort=name&limit=50", headers=manager).json
    assert [c["name"] for c in by_name["items"]] == [f"Customer 0{n}" for n in range(1, 10)]
    rich = client.get("/api/v1/customers?min_revenue=25000&sort=-revenue_total", headers=manager).json
    assert [c["customer_key"] for c in rich["items"]] == [30, 29, 28, 27, 26, 25]
    alice = _walk(client, manager, "&rep=Alice%20Brown&is_active=false")
    assert {c["customer_key"] for c in alice} == {4, 8, 12, 16, 20, 24, 28}
    assert client.get("/api/v1/customers?sort=email", headers=manager).status_code == 422


def test_a_cursor_cannot_be_edited_or_reused_for_another_sort(client: FlaskClient) -> None:
    manager = bearer(sign_in(client, "manager"))
    cursor = client.get("/api/v1/customers?limit=2", headers=manager).json["next_cursor"]
    other_sort = client.get(f"/api/v1/customers?sort=name&cursor={cursor}", headers=manager)
    assert other_sort.status_code == 400 and other_sort.json["error"]["details"]["query"]["cursor"]
    edited = cursor[:-1] + ("0" if cursor[-1] != "0" else "1")
    assert client.get(f"/api/v1/customers?cursor={edited}", headers=manager).status_code == 400


def test_leads_and_next_actions_are_scoped(client: FlaskClient) -> None:
    rep = bearer(sign_in(client, "sales_rep"))
    actions = client.get("/api/v1/next-best-actions?limit=100", headers=rep).json
    assert actions and {a["customer_key"] for a in actions} == {*range(2, 30, 2), 31}
    manager = bearer(sign_in(client, "manager"))
    everyone = client.get("/api/v1/next-best-actions?limit=100", headers=manager).json
    assert len(everyone) > len(actions)
    assert everyone[0]["action_value"] == max(a["action_value"] for a in everyone)
    assert client.get("/api/v1/campaigns", headers=rep).status_code == 403
