"""The customer timeline: newest first, exact paging, kinds, the policy's scope and masking, on SQLite and
a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from models.sentiment import get_scorer
from tests.unit.warehouse import c360_data
from tests.unit.warehouse.c360_data import CALL_TEXT, COMMENT_TEXT, EXPECTED
from warehouse.engine import Warehouse
from warehouse.policy import Viewer
from warehouse.timeline import _docs, _live, customer_timeline, decode_cursor, live_activity, mask_text

MANAGER = Viewer("manager", "manager")
REP_1, REP_2 = Viewer("alice", "sales_rep", 1), Viewer("bob", "sales_rep", 2)
ANALYST = Viewer("ann", "analyst")


@pytest.fixture
def c360(warehouse: Warehouse) -> Warehouse:
    return c360_data.build(warehouse)


def _seen(page: object) -> list[tuple[str, str]]:
    return [(i.kind, i.title) for i in page.items]  # type: ignore[attr-defined]


def test_everything_newest_first_without_repeating_the_batchs_own_events(c360: Warehouse) -> None:
    page = customer_timeline(c360, 1, viewer=MANAGER)
    assert page is not None and _seen(page) == EXPECTED and page.next_before is None
    invoice = next(i for i in page.items if i.title == "Invoice 101")
    assert invoice.amount == 120.0 and invoice.text == "2 line(s)"
    assert next(i for i in page.items if i.kind == "campaign").live


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_pages_join_up_exactly_even_across_a_day_of_several_invoices(c360: Warehouse, size: int) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        page = customer_timeline(c360, 1, before=cursor, limit=size, viewer=MANAGER)
        assert page is not None and 0 < len(page.items) <= size
        seen += _seen(page)
        pages += 1
        cursor = page.next_before
        if cursor is None:
            break
    assert seen == EXPECTED
    assert pages == -(-len(EXPECTED) // size)


def test_kinds_filter_and_a_moment_to_start_before(c360: Warehouse) -> None:
    invoices = customer_timeline(c360, 1, kinds=["invoice"], viewer=MANAGER)
    assert invoices is not None and _seen(invoices) == [e for e in EXPECTED if e[0] == "invoice"]
    talk = customer_timeline(c360, 1, kinds={"call", "comment", "email"}, viewer=MANAGER)
    assert talk is not None and [k for k, _ in _seen(talk)] == ["call", "comment", "email"]
    older = customer_timeline(c360, 1, before=dt.datetime(2026, 11, 20), viewer=MANAGER)
    assert older is not None and _seen(older) == EXPECTED[7:]  # strictly before 20 Nov
    with pytest.raises(ValueError, match="unknown timeline kind"):
        customer_timeline(c360, 1, kinds=["tweet"])
    with pytest.raises(ValueError, match="cursor"):
        decode_cursor("yesterday~2")


def test_a_reps_forbidden_customer_has_no_timeline_like_a_missing_one(c360: Warehouse) -> None:
    assert customer_timeline(c360, 1, viewer=REP_2) is None
    assert customer_timeline(c360, 999, viewer=MANAGER) is None
    own = customer_timeline(c360, 1, viewer=REP_1)
    assert own is not None and len(own.items) == len(EXPECTED)
    theirs = customer_timeline(c360, 2, viewer=REP_2)
    assert theirs is not None and _seen(theirs) == [("invoice", "Invoice 900")]


def test_masked_roles_see_contact_details_masked_in_the_texts(c360: Warehouse) -> None:
    clear = customer_timeline(c360, 1, kinds=["call", "comment"], viewer=REP_1)
    masked = customer_timeline(c360, 1, kinds=["call", "comment"], viewer=ANALYST)
    assert clear is not None and masked is not None
    assert [i.text for i in clear.items] == [CALL_TEXT, COMMENT_TEXT]
    call, comment = (i.text for i in masked.items)
    assert "900123" not in call and "jo.smith@example.com" not in call
    assert "+44 ••• ••• 123" in call and "j•••@example.com" in call
    assert comment.endswith("@j•••") and "Love the new range" in comment
    assert mask_text("no contact details here") == "no contact details here"


def test_comments_carry_their_sentiment(c360: Warehouse) -> None:
    page = customer_timeline(c360, 1, kinds=["comment", "call"], viewer=MANAGER, sentiment=get_scorer())
    assert page is not None
    comment = next(i for i in page.items if i.kind == "comment")
    call = next(i for i in page.items if i.kind == "call")
    assert comment.sentiment is not None and comment.sentiment > 0.5
    assert call.sentiment is None  # a rep's own note is not the customer's voice


def test_the_feeds_compile_for_sql_server() -> None:
    for query in (_docs(1, {"invoice", "order"}), _live(1, {"campaign", "profile"})):
        assert query is not None
        assert "SELECT" in str(sa.select(query.subquery()).limit(5).compile(dialect=mssql.dialect()))


def test_the_streams_counters_are_read_through_the_policy(c360: Warehouse) -> None:
    mine = live_activity(c360, 1, REP_1)
    assert mine is not None and (mine["clicks"], mine["last_event_type"]) == (1, "campaign_click")
    assert live_activity(c360, 1, REP_2) is None
    assert live_activity(c360, 3, MANAGER) is None  # nothing streamed for customer 3 yet
