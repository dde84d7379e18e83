"""A small, hand-checkable warehouse for portal tests: 70 days of KPIs, sales marts, 30 customers with
scores and 2 prospects.

Revenue on day i (0 = 2025-01-01) is 1000 + 50 * i, so every KPI can be worked out by hand; "today"
is 2025-03-12, a Wednesday (i = 70). Customer n belongs to rep ``n % 2 + 1`` (Alice Brown for even n);
its next best action is ``ACTIONS[n % 4]`` worth £10·n, except customer 30, who has none. Its RFM
segment is ``RFM_SEGMENTS[n % 3]`` with monetary score ``n % 5 + 1``; its region ``REGIONS[n % 3]``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from settings import Settings
from warehouse import users
from warehouse.engine import Warehouse, insert_rows
from warehouse.schema import (
    dim_customer,
    dim_sales_rep,
    mart_customer_kpi,
    mart_customer_rfm,
    mart_customer_score,
    mart_kpi_daily,
    mart_lead_funnel,
    mart_sales,
    mart_sales_detail,
)
from warehouse.summaries import rebuild_action_summary, rebuild_rfm_summary, rebuild_sales_by_day

FIRST_DAY = dt.date(2025, 1, 1)
TODAY = dt.date(2025, 3, 12)
PASSWORD = "correct horse battery"
REGIONS = ("London", "North West", "Scotland")
CITIES = ("Bristol", "Leeds", "London")
REPS = ("Alice Brown", "Bob Singh")
ACTIONS = ("retention_call", "upsell_offer", "re_engagement", "thank_you")
RFM_SEGMENTS = ("Champions", "At risk", "Hibernating")
SCORED_AT = dt.datetime(2025, 3, 12, 6, 30)


def kpi_rows() -> list[dict[str, object]]:
    rows = []
    for i in range((TODAY - FIRST_DAY).days + 1):
        rows.append(
            {
                "day": FIRST_DAY + dt.timedelta(days=i),
                "revenue": 1000.0 + 50 * i,
                "orders": 10 + i % 5,
                "active_customers": 200 + i,
                "new_customers": i % 3,
            }
        )
    return rows


def sales_rows() -> list[dict[str, object]]:
    """Day-grain rows per region (plus week/month rows that must not be double counted)."""
    rows: list[dict[str, object]] = []
    for i in range((TODAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + dt.timedelta(days=i)
        for r, region in enumerate(REGIONS):
            rows.append(
                {
                    "grain": "day",
                    "period_start": day,
                    "rep": REPS[r % 2],
                    "region": region,
                    "category": "Lighting",
                    "segment": "Retail",
                    "revenue": 100.0 * (r + 1),
                    "orders": r + 1,
                    "units": 2.0,
                    "customers": 1,
                }
            )
    rows.append(
        {
            "grain": "month",
            "period_start": dt.date(2025, 3, 1),
            "rep": REPS[0],
            "region": REGIONS[0],
            "category": "Lighting",
            "segment": "Retail",
            "revenue": 99999.0,
            "orders": 99,
            "units": 9.0,
            "customers": 9,
        }
    )
    return rows


def sales_detail_rows() -> list[dict[str, object]]:
    """Month-grain sales per customer (1..30, ``rep`` and ``region`` as in `customer_rows`) and product."""
    rows: list[dict[str, object]] = []
    for n in range(1, 31):
        for month in (1, 2, 3):
            items = [("Lighting", "Desk lamp", 10.0 * n)] + (
                [("Cables", "HDMI cable", 5.0 * n)] if month == 3 else []
            )
            for category, product, revenue in items:
                rows.append(
                    {
                        "month_start": dt.date(2025, month, 1),
                        "customer_key": n,
                        "category": category,
                        "product": product,
                        "customer": f"Customer {n:02d}"
                        if n <= 28
                        else ("Bristol Bikes Ltd", "100% Cotton Co")[n - 29],
                        "rep": REPS[n % 2],
                        "region": REGIONS[n % 3],
                        "revenue": revenue,
                        "orders": 1,
                    }
                )
    return rows


def customer_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """30 customers; names 'Customer 01'..'Customer 28' plus two with tricky names; emails in dim_customer."""
    names = [f"Customer {n:02d}" for n in range(1, 29)] + ["Bristol Bikes Ltd", "100% Cotton Co"]
    marts, dims = [], []
    for n, name in enumerate(names, start=1):
        city = CITIES[n % 3] if name != "Bristol Bikes Ltd" else "Leeds"
        marts.append(
            {
                "customer_key": n,
                "name": name,
                "city": city,
                "region": REGIONS[n % 3],
                "segment": "Retail",
                "rep": REPS[n % 2],
                "is_customer": True,
                "first_purchase": FIRST_DAY,
                "last_purchase": TODAY,
                "orders": n,
                "revenue_total": 1000.0 * n,
                "revenue_365d": 500.0 * n,
                "avg_order_value": 1000.0,
                "recency_days": n,
                "interactions_90d": 0,
                "is_active": n % 4 != 0,
            }
        )
        dims.append(
            {
                "customer_key": n,
                "name": name,
                "email": f"buyer{n:02d}@{'bristolbikes' if n == 29 else 'shop'}.example",
                "city": city,
                "region": REGIONS[n % 3],
                "rep_key": n % 2 + 1,
                "is_customer": True,
                "source_count": 1,
            }
        )
    for n, (name, rep_key) in enumerate((("Prospect Plumbing", 1), ("Unowned Upholstery", None)), start=31):
        dims.append(
            {
                "customer_key": n,
                "name": name,
                "city": "Leeds",
                "rep_key": rep_key,
                "is_customer": False,
                "source_count": 1,
            }
        )
    return marts, dims


def rfm_rows() -> list[dict[str, object]]:
    """RFM rows of the 30 customers (prospects have none)."""
    return [
        {
            "customer_key": n,
            "recency_days": n,
            "frequency": n,
            "monetary": 1000.0 * n,
            "r_score": 3,
            "f_score": 3,
            "m_score": n % 5 + 1,
            "rfm": f"33{n % 5 + 1}",
            "segment": RFM_SEGMENTS[n % 3],
            "as_of": TODAY,
        }
        for n in range(1, 31)
    ]


def funnel_rows() -> list[dict[str, object]]:
    """Alice: 4 new, 2 qualified, 3 won, 1 lost; Bob: 1 new, 1 won, 3 lost (each lead worth £1,000)."""
    counts = {
        REPS[0]: {"new": 4, "qualified": 2, "won": 3, "lost": 1},
        REPS[1]: {"new": 1, "won": 1, "lost": 3},
    }
    order = {"new": 1, "contacted": 2, "qualified": 3, "proposal": 4, "won": 5, "lost": 6}
    return [
        {"rep": rep, "stage": stage, "stage_order": order[stage], "leads": n, "value": 1000.0 * n}
        for rep, stages in counts.items()
        for stage, n in stages.items()
    ]


def score_rows() -> list[dict[str, object]]:
    """Scores of every customer and prospect (see the module docstring)."""
    rows: list[dict[str, object]] = []
    for n in range(1, 31):
        rows.append(
            {
                "customer_key": n,
                "churn_probability": n / 40,
                "clv_12m": 100.0 * n,
                "expected_orders_12m": n / 10,
                "upsell_propensity": 0.3,
                "upsell_category": "Packaging",
                "upsell_product": "Parcel Tape",
                "next_best_action": ACTIONS[n % 4] if n < 30 else None,
                "action_value": 10.0 * n if n < 30 else 0.0,
                "scored_at": SCORED_AT,
                "model_versions": "churn:2,clv:1",
            }
        )
    for n, lead in ((31, 0.7), (32, 0.2)):
        rows.append(
            {
                "customer_key": n,
                "lead_score": lead,
                "next_best_action": "nurture_lead",
                "action_value": 1000.0 * lead,
                "scored_at": SCORED_AT,
                "model_versions": "lead_score:1",
            }
        )
    return rows


def build_served_warehouse(path: Path) -> None:
    """The fixture warehouse in a SQLite file, migrated first: a server started with ``gunicorn.conf.py``
    brings its warehouse to the newest schema, which a ``create_all`` warehouse without migration history fails."""
    from warehouse.migrate import upgrade

    url = f"sqlite:///{path}"
    migrated = Warehouse.from_url(url)
    upgrade(migrated)
    migrated.engine.dispose()
    build_portal_warehouse(url).engine.dispose()


def build_portal_warehouse(where: Path | str, *, rfm: bool = True) -> Warehouse:
    """Create the fixture warehouse, with the demo users (password PASSWORD), in a SQLite file at a path
    or in the empty database at a URL; ``rfm=False`` leaves every analytics mart empty."""
    warehouse = Warehouse.from_url(f"sqlite:///{where}" if isinstance(where, Path) else where)
    warehouse.create_all()
    marts, dims = customer_rows()
    with warehouse.begin() as conn:
        insert_rows(conn, dim_sales_rep, [{"rep_key": k, "name": n} for k, n in enumerate(REPS, start=1)])
        insert_rows(conn, mart_kpi_daily, kpi_rows())
        insert_rows(conn, mart_sales, sales_rows())
        insert_rows(conn, mart_sales_detail, sales_detail_rows())
        insert_rows(conn, dim_customer, dims)
        insert_rows(conn, mart_customer_kpi, marts)
        insert_rows(conn, mart_customer_score, score_rows())
        insert_rows(conn, mart_customer_rfm, rfm_rows() if rfm else [])
        insert_rows(conn, mart_lead_funnel, funnel_rows())
        rebuild_sales_by_day(conn)  # as the marts step does after mart_sales
        rebuild_action_summary(conn)  # as the score step does after mart_customer_score
        rebuild_rfm_summary(conn)  # as the analytics step does after mart_customer_rfm
    users.ensure_demo_users(warehouse, PASSWORD)
    return warehouse


def portal_settings(var_dir: Path) -> Settings:
    """Settings that read nothing from the environment or ``.env``.

    No role is made to enrol a second factor here, so page tests can sign in any user with a password;
    the security tests turn it on (``mfa_required_roles``).
    """
    return Settings(  # type: ignore[call-arg]
        _env_file=None, var_dir=var_dir, secret_key="test-secret", mfa_required_roles=frozenset()
    )


def sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign in the way a browser does: open the form (which sets the CSRF token), post it with the token,
    then send the new token on every request as Dash's renderer does (``X-CSRFToken``)."""
    client.get("/login")
    form_token = client.get_cookie("_csrf_token")
    data = {"username": username, "password": password, "csrf_token": form_token.value if form_token else ""}
    response = client.post("/login", data=data)
    token = client.get_cookie("_csrf_token")
    if token is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = token.value
    return response


def post_callback(client: Any, outputs: list[tuple[str, str]], trigger: tuple[str, str, Any]) -> Any:
    """Call a page callback the way the browser does: ``outputs`` as (id, property), one changed input."""
    return call_callback(client, outputs, [trigger])


def call_callback(
    client: Any,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] | None = None,
    changed: str | None = None,
) -> Any:
    """Call a callback with every input (id, property, value) in the callback's order; ``changed`` is the
    id of the input that changed (the first by default).

    A single output is sent the way Dash sends it (not wrapped in a list).
    """
    component, prop, _value = next((i for i in inputs if i[0] == changed), inputs[0])
    many = len(outputs) > 1
    body = {
        "output": (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..")
        if many
        else f"{outputs[0][0]}.{outputs[0][1]}",
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if many
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{component}.{prop}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
    }
    return client.post("/_dash-update-component", json=body)
