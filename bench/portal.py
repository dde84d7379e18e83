"""Portal speed at a million customers: p50/p95 of each page's callbacks with 1 and 20 concurrent clients.

    python bench/portal.py [--customers 1000000] [--clients 1 20] [--rounds 8] [--workers 3 --threads 4]
    python bench/portal.py --clients 20 --think 1-3   # each client pauses 1-3 s after each call, as a person does

Builds (or reuses) ``var/bench/portal-<N>/warehouse.db``: the warehouse schema (Alembic, so every index
the portal relies on) bulk-loaded with N golden customers and what the portal reads about them: the
customers mart, scores, RFM segments, sources' records and their cross-reference, 2% of customers in the
review queue, two years of daily KPIs and sales by region/rep/category/segment. Distributions: names from
word lists, towns Zipf-distributed, regions by town, ~10% without a town or a segment, ~25% never bought
(NULL last purchase), revenue log-normal, a third of buyers with revenue ties at round figures. The fact
tables (sales lines, interactions) are not loaded: the Customer 360 figure is the profile's own reads
(golden record, provenance, scores), not its history.

Then it serves the portal with gunicorn (``gunicorn.conf.py``) on a free loopback port, waits for the workers'
start-up to settle (each worker's live listener loads every customer), signs in each
client as a real browser does (CSRF token, session cookie) and replays the pages' callbacks over HTTP:
Overview (KPI row; the drill panel's three charts), Customers (first page, page N, sort, search, count),
Customer 360 (the page's layout), Actions, Analytics (sections; the drill panel; the RFM chart, a random
segment or all), Review (page and count);
the count of a search is measured too (it answers after the page, no target). Targets: p95 <= 100 ms for customers page/search/sort and the profile,
<= 300 ms for Overview and Analytics, <= 300 ms for the review queue, at 20 clients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess  # nosec B404  (starts gunicorn from this venv)
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_load import think_range, wait_idle  # noqa: E402
from components import ids  # noqa: E402
from components.drill import AXES, default_state, to_store  # noqa: E402
from components.drill_panel import pid as drill_id  # noqa: E402
from pipeline.events.broker import stop_group  # noqa: E402
from warehouse import users  # noqa: E402
from warehouse.engine import Warehouse  # noqa: E402
from warehouse.migrate import upgrade  # noqa: E402
from warehouse.summaries import rebuild_action_summary, rebuild_rfm_summary, rebuild_sales_by_day  # noqa: E402

PASSWORD = "bench-portal-password"  # the throwaway bench warehouse's demo logins  # nosec B105
TODAY = dt.date(2026, 11, 30)
REGIONS = ("London", "South East", "South West", "East", "West Midlands", "East Midlands", "North West",
           "North East", "Yorkshire", "Wales", "Scotland", "Northern Ireland")  # fmt: skip
WORDS = ("Park", "Price", "London", "Bright", "Griffiths", "Station", "Hill", "Green", "Oak", "River", "North",
         "Bakery", "Hotel", "College", "Electrical", "Plumbing", "Cafe", "Motors", "Dental", "Garden", "Print",
         "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright")  # fmt: skip
SUFFIXES = ("Ltd", "Limited", "& Co", "Group", "Services", "", "", "")
CATEGORIES = ("Flour", "Packaging", "Equipment", "Ingredients", "Cleaning", "Beverages")
SEGMENTS = ("Retail", "Hospitality", "Wholesale", "Education", "Trade")
ACTIONS = ("retention_call", "upsell_offer", "re_engagement", "thank_you", "nurture_lead")
RFM = ("Champions", "Loyal", "Potential", "At risk", "Hibernating", "Lost")
SOURCES = ("quickbooks", "sales_leads", "instagram", "directory", "sales_activities")
BIG_TABLES = ("dim_customer", "mart_customer_kpi", "mart_customer_score", "mart_customer_rfm", "stg_customer",
              "customer_xref", "identity_review", "mart_sales")  # fmt: skip
TARGETS = {"overview": 300, "overview_charts": 300, "customers_first": 100, "customers_page": 100, "customers_sort": 100,
           "customers_search": 100, "customers_count": 100, "search_count": 0, "profile": 100, "actions": 300, "analytics": 300, "analytics_charts": 300, "analytics_rfm": 300,
           "review_page": 300, "review_count": 300}  # fmt: skip


# --- the warehouse ---------------------------------------------------------------------------------


def _rows(*columns: Any) -> Iterator[tuple[Any, ...]]:
    return zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in columns), strict=True)


def _insert(
    conn: sqlite3.Connection,
    table: str,
    names: list[str],
    rows: Iterator[tuple[Any, ...]],
    verb: str = "INSERT",
) -> None:
    marks = ", ".join("?" for _ in names)
    conn.executemany(f"{verb} INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)  # nosec B608


def build(path: Path, n: int, seed: int = 18) -> None:
    """The bench warehouse at ``path``: schema by Alembic, data bulk-loaded, indexes rebuilt after the load."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    warehouse = Warehouse.from_url(f"sqlite:///{path}")
    upgrade(warehouse)
    users.ensure_demo_users(warehouse, PASSWORD)
    warehouse.engine.dispose()
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(path)
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;")
    placeholders = ",".join("?" for _ in BIG_TABLES)
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({placeholders})",  # nosec B608
        BIG_TABLES,
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")

    keys = np.arange(1, n + 1)
    reps = [f"{a} {b}" for a, b in zip(WORDS[:20], WORDS[20:] + WORDS[:9], strict=True)][:40]
    _insert(conn, "dim_sales_rep", ["rep_key", "name"], _rows(np.arange(1, len(reps) + 1), reps))
    towns = [f"{w}{s}" for w in WORDS for s in ("ton", "ford", "bury", "ley", "ham", "wick")]
    town_region = {t: REGIONS[i % len(REGIONS)] for i, t in enumerate(towns)}
    zipf = np.minimum(rng.zipf(1.3, n), len(towns)) - 1
    city = [towns[i] for i in zipf.tolist()]
    no_city = rng.random(n) < 0.1
    city = [None if gone else c for c, gone in zip(city, no_city.tolist(), strict=True)]
    region = [None if c is None else town_region[c] for c in city]
    w = rng.integers(0, len(WORDS), (n, 2))
    suffix = rng.integers(0, len(SUFFIXES), n)
    names = [
        f"{WORDS[a]} {WORDS[b]} {SUFFIXES[s]}".strip()
        for (a, b), s in zip(w.tolist(), suffix.tolist(), strict=True)
    ]
    rep_key = rng.integers(1, len(reps) + 1, n)
    segment = [None if r < 0.1 else SEGMENTS[int(r * 100) % len(SEGMENTS)] for r in rng.random(n).tolist()]
    is_customer = rng.random(n) < 0.9
    bought = is_customer & (rng.random(n) < 0.83)
    days_ago = rng.integers(0, 730, n)
    last = [
        (TODAY - dt.timedelta(days=d)).isoformat() if b else None
        for d, b in zip(days_ago.tolist(), bought.tolist(), strict=True)
    ]
    orders = np.where(bought, rng.poisson(6, n) + 1, 0)
    revenue = np.where(bought, np.round(rng.lognormal(7, 1.2, n), 2), 0.0)
    revenue = np.where(
        bought & (rng.random(n) < 0.33), np.round(revenue, -2), revenue
    )  # ties at round figures
    revenue_365 = np.where(days_ago < 365, np.round(revenue * rng.uniform(0.2, 0.8, n), 2), 0.0)
    email = [
        None if r < 0.1 else f"info@{k}.example"
        for k, r in zip(keys.tolist(), rng.random(n).tolist(), strict=True)
    ]
    _insert(
        conn, "dim_customer",
        ["customer_key", "name", "email", "city", "region", "segment", "rep_key", "is_customer", "source_count", "completeness"],
        _rows(keys, names, email, city, region, segment, rep_key, is_customer.astype(int), rng.integers(1, 4, n), rng.random(n)),
    )  # fmt: skip
    customer = is_customer.nonzero()[0]
    pick = lambda column: [column[i] for i in customer.tolist()]  # noqa: E731
    _insert(
        conn, "mart_customer_kpi",
        ["customer_key", "name", "city", "region", "segment", "rep", "is_customer", "first_purchase", "last_purchase",
         "orders", "revenue_total", "revenue_365d", "avg_order_value", "recency_days", "interactions_90d", "is_active",
         "completeness"],
        _rows(keys[customer], pick(names), pick(city), pick(region), pick(segment),
              [reps[k - 1] for k in rep_key[customer].tolist()], [1] * len(customer), pick(last), pick(last),
              orders[customer], revenue[customer], revenue_365[customer],
              np.round(revenue[customer] / np.maximum(orders[customer], 1), 2),
              [None if not b else d for d, b in zip(days_ago[customer].tolist(), bought[customer].tolist(), strict=True)],
              rng.integers(0, 5, len(customer)), (days_ago[customer] < 90).astype(int), rng.random(len(customer))),
    )  # fmt: skip
    scored = dt.datetime.combine(TODAY, dt.time(6, 30)).isoformat(sep=" ")
    action = rng.integers(0, len(ACTIONS), n)
    _insert(
        conn, "mart_customer_score",
        ["customer_key", "churn_probability", "clv_12m", "lead_score", "next_best_action", "action_value", "scored_at", "model_versions"],
        _rows(keys, np.round(rng.random(n), 4), np.round(revenue * 0.4, 2),
              np.where(is_customer, None, np.round(rng.random(n), 4)).tolist(), [ACTIONS[a] for a in action.tolist()],
              np.round(rng.lognormal(5, 1, n), 2), [scored] * n, ["churn:1"] * n),
    )  # fmt: skip
    buyers = bought.nonzero()[0]
    _insert(
        conn, "mart_customer_rfm",
        ["customer_key", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm", "segment", "as_of"],
        _rows(keys[buyers], days_ago[buyers], orders[buyers], revenue[buyers], rng.integers(1, 6, len(buyers)),
              rng.integers(1, 6, len(buyers)), rng.integers(1, 6, len(buyers)), ["333"] * len(buyers),
              [RFM[i] for i in rng.integers(0, len(RFM), len(buyers)).tolist()], [TODAY.isoformat()] * len(buyers)),
    )  # fmt: skip
    # Sources: every customer's record in one source, a fifth in a second; 2% of customers wait in review.
    extra = rng.random(n) < 0.2
    record_source = rng.integers(0, len(SOURCES), n)
    staged, xref = [], []
    for k, s, e, name, mail in zip(
        keys.tolist(), record_source.tolist(), extra.tolist(), names, email, strict=True
    ):
        staged.append((SOURCES[s], f"S{k}", "Customer", name, name, mail, k, 1))
        xref.append((SOURCES[s], f"S{k}", k, "new", 1))
        if e:
            other = SOURCES[(s + 1) % len(SOURCES)]
            staged.append((other, f"T{k}", "Customer", name.upper(), name, mail, k, 1))
            xref.append((other, f"T{k}", k, "email", 1))
    _insert(
        conn,
        "stg_customer",
        ["source", "source_key", "entity", "company_name", "display_name", "email", "land_id", "batch_id"],
        iter(staged),
    )
    _insert(
        conn, "customer_xref", ["source", "source_key", "customer_key", "match_rule", "batch_id"], iter(xref)
    )
    review = rng.choice(n - 1, n // 50, replace=False) + 1
    prob = np.where(rng.random(len(review)) < 0.6, 1.0, np.round(rng.uniform(0.95, 1.0, len(review)), 4))
    _insert(
        conn, "identity_review", ["record_l", "record_r", "match_probability", "match_key", "status", "batch_id"],
        ((f"{SOURCES[record_source[k - 1]]}|S{k}", f"{SOURCES[record_source[k]]}|S{k + 1}", p,
          "rule:email" if p == 1.0 else "3", "pending", 1) for k, p in zip(review.tolist(), prob.tolist(), strict=True)),
    )  # fmt: skip
    days = [TODAY - dt.timedelta(days=d) for d in range(730)]
    daily = rng.uniform(0.6, 1.4, len(days)) * n * 0.9
    _insert(
        conn, "mart_kpi_daily", ["day", "revenue", "orders", "active_customers", "new_customers"],
        _rows([d.isoformat() for d in days], np.round(daily, 2), (daily / 120).astype(int),
              np.full(len(days), int(n * 0.4)), rng.poisson(n / 2000, len(days))),
    )  # fmt: skip
    sales = []
    for d in days:
        for _ in range(300):  # the rep x region x category x segment combinations that sold that day
            sales.append(("day", d.isoformat(), reps[int(rng.integers(len(reps)))], REGIONS[int(rng.integers(len(REGIONS)))],
                          CATEGORIES[int(rng.integers(len(CATEGORIES)))], SEGMENTS[int(rng.integers(len(SEGMENTS)))],
                          round(float(rng.lognormal(7, 1)), 2), int(rng.integers(1, 30)), float(rng.integers(1, 90)),
                          int(rng.integers(1, 25))))  # fmt: skip
    _insert(
        conn,
        "mart_sales",
        [
            "grain",
            "period_start",
            "rep",
            "region",
            "category",
            "segment",
            "revenue",
            "orders",
            "units",
            "customers",
        ],
        iter(sales),
        "INSERT OR IGNORE",
    )
    conn.commit()
    for _, sql in indexes:
        conn.execute(sql)
    conn.commit()
    conn.close()
    warehouse = Warehouse.from_url(f"sqlite:///{path}")
    with warehouse.begin() as c:
        rebuild_sales_by_day(c)  # as the pipeline's marts step does
        rebuild_action_summary(c)  # as the score step does
        rebuild_rfm_summary(c)  # as the analytics step does
        c.exec_driver_sql("ANALYZE")
    warehouse.engine.dispose()
    print(f"built {path} with {n:,} customers in {time.perf_counter() - started:.0f} s", flush=True)


def customer_count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM dim_customer").fetchone()[0])
        except sqlite3.Error:
            return 0


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def portal(var_dir: Path, workers: int, threads: int) -> Iterator[str]:
    """gunicorn serving the bench warehouse on loopback, in its own process group, stopped on exit."""
    port = free_port()
    env = dict(os.environ, C360_VAR_DIR=str(var_dir), C360_PORT=str(port), C360_HOST="127.0.0.1",
               C360_LIVE_DEMO="false", C360_COOKIE_SECURE="false", C360_MFA_REQUIRED_ROLES="[]", C360_DEMO_PASSWORD=PASSWORD,
               C360_WEB_WORKERS=str(workers), C360_WEB_THREADS=str(threads), C360_LOG_LEVEL="WARNING")  # fmt: skip
    log = (var_dir / "gunicorn.log").open("w")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # nosec B603  (fixed arguments)
        [str(gunicorn), "-c", "gunicorn.conf.py", "app:create_server()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}); see {var_dir / 'gunicorn.log'}")
            try:
                if requests.get(url + "/login", timeout=30).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still starting under load
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 180 s")
            time.sleep(0.5)
        waited, cpu = wait_idle(process.pid)  # each worker's live listener first loads every customer
        print(
            f"server settled {waited:.0f} s after answering ({cpu:.1f} s of CPU: the workers' start-up)",
            flush=True,
        )
        yield url
    finally:
        stop_group(process, grace=30)
        log.close()


def sign_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(url + "/login", timeout=30)
    token = session.cookies.get("_csrf_token", "")
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    answer = session.post(url + "/login", data=data, timeout=30, allow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"{username} could not sign in: HTTP {answer.status_code}")
    session.headers["X-CSRFToken"] = session.cookies.get("_csrf_token", "")
    return session


# --- the callbacks ---------------------------------------------------------------------------------


def body(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, Any]]) -> dict[str, Any]:
    many = len(outputs) > 1
    return {
        "output": (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..") if many else f"{outputs[0][0]}.{outputs[0][1]}",
        "outputs": [{"id": i, "property": p} for i, p in outputs] if many else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [],
    }  # fmt: skip


OVERVIEW = [(ids.OVERVIEW_KPI_ROW, "children"), (ids.OVERVIEW_AS_OF, "children"), (ids.OVERVIEW_ALERT, "children"),
            (ids.OVERVIEW_ALERT, "is_open")]  # fmt: skip


def drill_render(prefix: str, days: int) -> dict[str, Any]:
    """The drill panel's render callback (three charts, their trails, the summary) for the last ``days`` days."""
    outputs = [(drill_id(prefix, f"{a}-graph"), "figure") for a in AXES]
    outputs += [(drill_id(prefix, f"{a}-crumbs"), "children") for a in AXES]
    outputs += [(drill_id(prefix, "summary"), "children"), (drill_id(prefix, "query"), "data")]
    state = to_store(default_state(TODAY, days))
    return body(outputs, [(drill_id(prefix, "state"), "data", state)])


CUSTOMERS = [(ids.CUSTOMERS_TABLE, "data"), (ids.CUSTOMERS_TABLE, "page_current")]
CUSTOMERS_COUNT = [(ids.CUSTOMERS_TABLE, "page_count"), (ids.CUSTOMERS_COUNT, "children")]
ACTIONS_OUT = [
    (ids.ACTIONS_SUMMARY, "children"),
    (ids.ACTIONS_PROSPECTS, "children"),
    (ids.ACTIONS_FUNNEL, "children"),
]
ANALYTICS = [(ids.ANALYTICS_GROWTH, "children"), (ids.ANALYTICS_ANOMALIES, "children"), (ids.ANALYTICS_RFM, "children"), (ids.ANALYTICS_BUDGET_SUMMARY, "children"), (ids.ANALYTICS_BUDGET, "children"),
             (ids.ANALYTICS_PRICE, "children"), (ids.ANALYTICS_ALERT, "children"), (ids.ANALYTICS_ALERT, "is_open")]  # fmt: skip
SORTS = (
    "name",
    "city",
    "region",
    "segment",
    "rep",
    "orders",
    "revenue_total",
    "revenue_365d",
    "last_purchase",
)


def customers(term: str, page: int, column: str = "revenue_total", direction: str = "desc") -> dict[str, Any]:
    sort = [{"column_id": column, "direction": direction}]
    return body(CUSTOMERS, [(ids.CUSTOMERS_SEARCH, "value", term), (ids.CUSTOMERS_TABLE, "page_current", page),
                            (ids.CUSTOMERS_TABLE, "sort_by", sort)])  # fmt: skip


def callbacks(n: int) -> dict[str, Callable[[random.Random], dict[str, Any]]]:
    """Each measured callback: a request body for one random user action."""
    scope = [
        (i, "value", "all") for i in (ids.ACTIONS_REP, ids.ACTIONS_REGION, ids.ACTIONS_RFM, ids.ACTIONS_SPEND)
    ]
    review = [("review-source", "value", "all"), ("review-band", "value", "all"), ("review-kind", "value", "all"),
              ("review-order", "value", "uncertain")]  # fmt: skip
    return {
        "overview": lambda r: body(OVERVIEW, [(ids.OVERVIEW_LOAD, "data", 0)]),
        "overview_charts": lambda r: drill_render("overview", r.choice([30, 90])),
        "customers_first": lambda r: customers("", 0),
        "customers_page": lambda r: customers("", r.randrange(1, 400)),
        "customers_sort": lambda r: customers(
            "", r.randrange(0, 4), r.choice(SORTS), r.choice(["asc", "desc"])
        ),
        "customers_search": lambda r: customers(f"{r.choice(WORDS)} {r.choice(WORDS)}", 0),
        "customers_count": lambda r: body(CUSTOMERS_COUNT, [(ids.CUSTOMERS_SEARCH, "value", "")]),
        "search_count": lambda r: body(
            CUSTOMERS_COUNT, [(ids.CUSTOMERS_SEARCH, "value", f"{r.choice(WORDS)} {r.choice(WORDS)}")]
        ),
        "profile": lambda r: body(
            [("_pages_content", "children"), ("_pages_store", "data")],
            [
                ("_pages_location", "pathname", f"/customer/{r.randrange(1, n + 1)}"),
                ("_pages_location", "search", ""),
            ],
        ),
        "actions": lambda r: body(ACTIONS_OUT, scope),
        "analytics": lambda r: body(ANALYTICS, [(ids.ANALYTICS_LOAD, "data", 0)]),
        "analytics_charts": lambda r: drill_render("analytics", r.choice([30, 90])),
        "analytics_rfm": lambda r: body(
            [(ids.ANALYTICS_RFM_GRAPH, "figure"), ("analytics-rfm-crumbs", "children")],
            [
                ("analytics-rfm-path", "data", {"segment": r.choice([None, *RFM])}),
                (drill_id("analytics", "state"), "data", to_store(default_state(TODAY, 365))),
            ],
        ),  # fmt: skip
        "review_page": lambda r: body(
            [("review-pairs", "data")],
            [
                *review,
                ("review-pages", "active_page", r.randrange(1, 40)),
                (ids.REVIEW_DECIDED, "data", None),
            ],
        ),  # fmt: skip
        "review_count": lambda r: body(
            [(ids.REVIEW_COUNT, "children"), ("review-pages", "max_value"), ("review-pages", "active_page")],
            [*review, (ids.REVIEW_DECIDED, "data", None)],
        ),  # fmt: skip
    }


def replay(
    url: str,
    n: int,
    clients: int,
    rounds: int,
    only: list[str] | None = None,
    think: tuple[float, float] = (0.0, 0.0),
) -> dict[str, list[float]]:
    """Each client signs in and plays every callback ``rounds`` times in a random order, pausing ``think``
    (min, max seconds) after each call; milliseconds per call."""
    cases = {k: v for k, v in callbacks(n).items() if not only or k in only}
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    sessions = [sign_in(url, "admin") for _ in range(clients)]  # admins read every page, the queue too
    start = threading.Barrier(clients)

    def client(number: int) -> None:
        rng = random.Random(number)  # which page and row a simulated user asks for  # nosec B311
        session = sessions[number]
        start.wait()
        for _ in range(rounds):
            order = list(cases)
            rng.shuffle(order)
            for name in order:
                payload = json.dumps(cases[name](rng))
                began = time.perf_counter()
                answer = session.post(url + "/_dash-update-component", data=payload, timeout=120,
                                      headers={"Content-Type": "application/json"})  # fmt: skip
                took = (time.perf_counter() - began) * 1000
                with lock:
                    if answer.status_code not in (200, 204):
                        errors.append(f"{name}: HTTP {answer.status_code}")
                    timings[name].append(took)
                if think[1] > 0:
                    time.sleep(rng.uniform(*think))  # a person reading the answer before the next click

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} failed calls, e.g. {errors[:3]}", flush=True)
    return timings


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(clients: int, timings: dict[str, list[float]]) -> None:
    print(
        f"\n{clients} concurrent client(s)\n{'callback':<18}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}{'target':>8}",
        flush=True,
    )
    for name, target in TARGETS.items():
        values = timings.get(name, [])
        if not values:
            continue
        p95 = percentile(values, 95)
        goal, verdict = (
            (str(target), "ok" if p95 <= target else "over") if target else ("-", "(after the page)")
        )
        print(
            f"{name:<18}{len(values):>6}{percentile(values, 50):>9.0f}{p95:>9.0f}{goal:>8} {verdict}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--rounds", type=int, default=8, help="passes over every callback per client")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", nargs="+", choices=list(TARGETS), help="replay these callbacks only")
    parser.add_argument(
        "--build-only", action="store_true", help="build (or keep) the warehouse, measure nothing"
    )
    parser.add_argument(
        "--think",
        default="0-0",
        type=think_range,
        help="each client's pause after each call, MIN-MAX seconds (default 0-0: clients ask as fast as "
        "they can, a throughput test; 1-3 is a person reading each answer)",
    )
    args = parser.parse_args()
    low, high = (float(v) for v in args.think.split("-"))
    var_dir = ROOT / "var" / "bench" / f"portal-{args.customers}"
    path = var_dir / "warehouse.db"
    if args.rebuild or customer_count(path) != args.customers:
        for stale in var_dir.glob("warehouse.db*"):
            stale.unlink()
        build(path, args.customers)
    else:
        print(f"reusing {path} ({args.customers:,} customers)", flush=True)
    if args.build_only:
        return 0
    with portal(var_dir, args.workers, args.threads) as url:
        print(
            f"gunicorn: {args.workers} workers x {args.threads} threads at {url}; {os.cpu_count()} CPUs",
            flush=True,
        )
        replay(
            url, args.customers, args.workers * args.threads, 1, args.only
        )  # every worker imports and connects once
        for clients in args.clients:
            rounds = args.rounds if clients == 1 else max(2, args.rounds // 4)
            print(f"clients pause {args.think} s after each call", flush=True)
            report(clients, replay(url, args.customers, clients, rounds, args.only, (low, high)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
