"""Customer search reads a text index (SQLite FTS5 trigram, PostgreSQL pg_trgm) and finds what LIKE found."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa

from api.v1.queries import customer_page_query
from warehouse.engine import Warehouse, insert_rows
from warehouse.migrate import upgrade
from warehouse.policy import Viewer, customer_scope, searchable_fields
from warehouse.queries import (
    CustomerSort,
    count_customers,
    customer_count_query,
    customer_page,
    customer_search_query,
)
from warehouse.schema import dim_customer, dim_sales_rep, mart_customer_kpi
from warehouse.schema.encrypted import hash_matches
from warehouse.search import (
    PROBE_SHARE,
    SAMPLE_CUSTOMERS,
    PlanMemo,
    SearchPlan,
    count_plan,
    density_query,
    search_plan,
)

WORDS = (
    "Park",
    "Price",
    "Hotel",
    "College",
    "Bakery",
    "Station",
    "Griffiths",
    "O'Neil",
    "50%",
    "Under_score",
)
CITIES = ("London", "Leeds", "Parkton", "Bristol", None)
VIEWERS = [None, Viewer("ana", "analyst"), Viewer("sam", "sales_rep", rep_key=2), Viewer("mo", "manager")]
TERMS = ("park", "PARK HOTEL", "ark", "k H", "o'neil", '"quoted', "50%", "0% ", "under_", "_", "%", "pa",
         "e", "parkton", "ON", "lEeDs", "griffiths college ltd", "zzz", "c7@firm.example", "C7@FIRM.example")  # fmt: skip


def _mart(key: int, name: str, city: str | None, rep: str | None) -> dict[str, Any]:
    return {"customer_key": key, "name": name, "city": city, "region": None, "segment": None, "rep": rep,
            "is_customer": True, "orders": key % 5, "revenue_total": float(key % 17) * 10.0, "revenue_365d": 0.0,
            "avg_order_value": 0.0, "interactions_90d": 0, "is_active": True}  # fmt: skip


def _load(warehouse: Warehouse, n: int = 400) -> None:
    rng = random.Random(23)
    marts, dims = [], []
    for key in range(1, n + 1):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(['Ltd', 'Limited', ''])}".strip()
        rep_key = rng.choice([1, 2, None])
        marts.append(_mart(key, name, rng.choice(CITIES), None if rep_key is None else f"Rep {rep_key}"))
        dims.append({"customer_key": key, "name": name, "email": f"c{key}@firm.example", "rep_key": rep_key,
                     "is_customer": True, "source_count": 1})  # fmt: skip
    with warehouse.begin() as conn:
        insert_rows(conn, dim_sales_rep, [{"rep_key": 1, "name": "Rep 1"}, {"rep_key": 2, "name": "Rep 2"}])
        insert_rows(conn, dim_customer, dims)
        insert_rows(conn, mart_customer_kpi, marts)


def like_keys(warehouse: Warehouse, term: str, viewer: Viewer | None) -> list[int]:
    """The customers a search matched before the text index: ``ILIKE '%term%'`` on name and city, e-mail by hash."""
    k, d = mart_customer_kpi, dim_customer
    fields = ("name", "city", "email") if viewer is None else searchable_fields(viewer)
    matches = [k.c[f].icontains(term.strip(), autoescape=True) for f in fields if f != "email"]
    if "email" in fields:
        matches.append(hash_matches(d.c.email_hash, "email", term.strip()))
    scope = sa.true() if viewer is None else customer_scope(viewer, k.c.customer_key)
    query = (
        sa.select(k.c.customer_key)
        .select_from(k.outerjoin(d, d.c.customer_key == k.c.customer_key))
        .where(scope, sa.or_(*matches))
        .order_by(k.c.revenue_total.desc(), k.c.customer_key)
    )
    return [r["customer_key"] for r in warehouse.rows(query)]


def search_keys(warehouse: Warehouse, term: str, viewer: Viewer | None) -> list[int]:
    rows = customer_page(warehouse, term, CustomerSort(), 0, 500, viewer)
    return [r["customer_key"] for r in rows]


@pytest.fixture()
def migrated(warehouse: Warehouse) -> Warehouse:
    upgrade(warehouse)
    _load(warehouse)
    return warehouse


def test_a_search_finds_exactly_the_customers_a_substring_match_found(migrated: Warehouse) -> None:
    for viewer in VIEWERS:
        for term in TERMS:
            expected = like_keys(migrated, term, viewer)
            assert search_keys(migrated, term, viewer) == expected, (viewer, term)
            assert count_customers(migrated, term, viewer) == len(expected), (viewer, term)
    assert like_keys(migrated, "park hotel", None), "the data has two-word matches"
    assert search_keys(migrated, "C7@firm.example", VIEWERS[3]) == [7]  # a manager finds the whole e-mail
    assert search_keys(migrated, "c7@firm.example", VIEWERS[1]) == []  # an analyst sees e-mails masked
    assert search_keys(migrated, "c7@firm", VIEWERS[3]) == []  # a part of an e-mail matches nothing


def test_the_search_reads_the_text_index(migrated: Warehouse) -> None:
    query = customer_search_query("park hotel", CustomerSort(), 0, 25, Viewer("mo", "manager"))
    with migrated.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1]) for r in conn.execute(sa.text("EXPLAIN QUERY PLAN " + _literal(conn, query)))
            )
            assert "customer_search VIRTUAL TABLE" in plan, plan
            assert "SCAN mart_customer_kpi" not in plan, plan
        else:
            conn.exec_driver_sql(
                "SET enable_seqscan = off"
            )  # 400 rows: make the planner show what it can use
            plan = " ".join(r[0] for r in conn.execute(sa.text("EXPLAIN " + _literal(conn, query))))
            assert "ix_mck_name_trgm" in plan and "ix_mck_city_trgm" in plan, plan


def _literal(conn: sa.Connection, query: sa.Select[Any]) -> str:
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})).replace("%%", "%")


def test_the_index_follows_every_change_to_the_customers(migrated: Warehouse) -> None:
    k = mart_customer_kpi
    with migrated.begin() as conn:
        conn.execute(k.update().where(k.c.customer_key == 3).values(name="Zebra Crossing Cafe", city="Quorn"))
        conn.execute(k.delete().where(k.c.customer_key == 4))
    assert search_keys(migrated, "zebra cross", None) == [3]
    assert search_keys(migrated, "quorn", None) == [3]
    assert 4 not in search_keys(migrated, "", None)
    with migrated.begin() as conn:  # the marts step rebuilds the mart: delete everything, insert again
        conn.execute(k.delete())
        insert_rows(conn, k, [_mart(9, "Yellow Submarine Ltd", "Liverpool", None)])
    assert search_keys(migrated, "submarine", None) == [9]
    assert search_keys(migrated, "park", None) == []
    assert search_keys(migrated, "liver", None) == [9]


def test_accented_names_are_found_in_any_case(migrated: Warehouse) -> None:
    with migrated.begin() as conn:
        insert_rows(conn, mart_customer_kpi, [_mart(900, "Café Été Ltd", "Zürich", None)])
    assert search_keys(migrated, "café été", None) == [900]
    assert search_keys(migrated, "ZÜRICH", None) == [900]


def test_upgrading_a_warehouse_indexes_the_customers_it_already_has(warehouse: Warehouse) -> None:
    upgrade(warehouse, "0018")
    _load(warehouse, 50)
    upgrade(warehouse)
    for term in ("park", "station hotel", "leeds"):
        assert search_keys(warehouse, term, None) == like_keys(warehouse, term, None)
        assert search_keys(warehouse, term, None)


@pytest.mark.parametrize("plan", ["walk", "probe"])
def test_a_common_term_read_in_sort_order_finds_the_same_customers(
    migrated: Warehouse, plan: SearchPlan
) -> None:
    """A term matching many customers is read along the page's sort index: same rows, same order, same count."""
    for viewer in (None, VIEWERS[1], VIEWERS[3]):
        for term in TERMS:
            for sort in (CustomerSort(), CustomerSort("name", False), CustomerSort("city", True)):
                walked = migrated.rows(customer_search_query(term, sort, 0, 500, viewer, plan))
                plain = migrated.rows(customer_search_query(term, sort, 0, 500, viewer))
                assert walked == plain, (viewer, term, sort)
            expected = len(like_keys(migrated, term, viewer))
            assert migrated.scalar(customer_count_query(term, viewer, plan)) == expected, (viewer, term)


def test_how_common_a_term_is_is_counted_in_a_sample_of_customers(migrated: Warehouse) -> None:
    for term in ("park", "leeds", "zzz"):
        query = density_query(term, ("name", "city"), 200)
        assert query is not None
        if migrated.engine.dialect.name == "sqlite":
            cap = int(SAMPLE_CUSTOMERS * PROBE_SHARE)
            expected = len([k for k in like_keys(migrated, term, VIEWERS[1]) if k <= 200])
            assert migrated.scalar(query) == min(expected, cap)
        assert search_plan(migrated, term, ("name", "city")) == "keys"  # 400 customers: fewer than a sample
    assert density_query("pa", ("name", "city"), 200) is None  # no trigram: the index is not asked


@pytest.mark.parametrize("plan", ["keys", "walk", "probe"])
def test_the_api_finds_the_same_customers_either_way(migrated: Warehouse, plan: SearchPlan) -> None:
    manager = VIEWERS[3]
    for term in ("park", "LEEDS", "c7@firm.example", "o'neil"):
        page = migrated.rows(customer_page_query(manager, {"q": term}, "-revenue_total", None, 200, plan))
        assert [r["customer_key"] for r in page] == like_keys(migrated, term, manager)[:200]


def test_a_terms_plan_is_counted_once_and_counted_again_after_a_while(migrated: Warehouse) -> None:
    """Repeated searches for a term skip counting it in the sample; the count is renewed after ``seconds``."""
    now = [0.0]
    memo = PlanMemo(seconds=60, clock=lambda: now[0])
    statements: list[str] = []
    sa.event.listen(migrated.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    first = memo.plan(migrated, "park", ("name", "city"))
    counted = len(statements)
    assert counted >= 1 and first == count_plan(migrated, "park", ("name", "city"))
    statements.clear()
    now[0] = 59.0
    assert memo.plan(migrated, "park", ("name", "city")) == first and statements == []
    assert (
        memo.plan(migrated, "leeds", ("name", "city")) == "keys" and len(statements) == counted
    )  # another term
    statements.clear()
    now[0] = 61.0
    assert memo.plan(migrated, "park", ("name", "city")) == first and len(statements) == counted
