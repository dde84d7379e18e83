"""What a user of the live KPIs and alerts sees from single events: lateness, duplicates, money, alert rules."""

from __future__ import annotations

import json
from typing import Any

from pipeline.events import Alert, Campaign, Customer, KpiRecord, StreamEngine, Thresholds

ANN = Customer(1, "Ann Lee", "North", "Loyal", 0.1)
BOB = Customer(2, "Bob Stone", "South", "At risk", 0.8)
SERIAL = iter(range(1_000_000))


def event(
    kind: str, at: str, key: int | None = 1, channel: str | None = "web", **payload: Any
) -> dict[str, Any]:
    return {
        "event_id": f"t{next(SERIAL)}",
        "type": kind,
        "schema_version": 1,
        "occurred_at": f"{at}Z" if "T" in at else f"2026-12-04T{at}Z",
        "customer_key": key,
        "source_key": None if key is not None else "web:anon",
        "channel": channel,
        "payload": payload,
    }


def order(at: str, amount: Any, key: int | None = 1, **kw: Any) -> dict[str, Any]:
    return event("order_placed", at, key, order_id="SO", amount=amount, currency="GBP", **kw)


def visit(at: str, key: int | None = 1) -> dict[str, Any]:
    return event("visit", at, key, page="/")


def engine(**kw: Any) -> StreamEngine:
    return StreamEngine({1: ANN, 2: BOB}, {"C1": Campaign("C1", "Winter", 100.0)}, **kw)


def send(e: StreamEngine, value: dict[str, Any]) -> Any:
    return e.process(json.dumps(value).encode())


def records(out: Any, window: str, dimension: str = "all") -> list[KpiRecord]:
    return [r for r in out.kpis if r.window == window and r.dimension == dimension]


def alert_ids(out: Any) -> list[str]:
    return [a.alert_id for a in out.alerts]


def test_an_event_updates_twelve_records_with_full_values() -> None:
    e = engine()
    send(e, order("10:00:05", 10))
    out = send(e, order("10:00:40", 5.5, channel="store"))
    assert len(out.kpis) == 12
    (minute,) = records(out, "1m")
    assert (minute.window_start, minute.window_end, minute.revenue_cents, minute.orders) == (
        "2026-12-04T10:00:00Z",
        "2026-12-04T10:01:00Z",
        1550,
        2,
    )
    assert {r.dimension_value for r in out.kpis if r.dimension == "channel"} == {"store"}


def test_a_minute_takes_late_events_for_five_minutes_after_it_ends() -> None:
    e = engine()
    send(e, visit("10:00:30"))
    send(e, visit("10:05:59.999"))
    in_time = send(e, visit("10:00:50"))
    assert records(in_time, "1m")[0].events == 2
    send(e, visit("10:06:00"))  # the 10:00 minute closes now
    late = send(e, visit("10:00:55"))
    assert records(late, "1m") == [] and records(late, "1h")[0].events == 5
    assert "2026-12-04T10:00:00Z" not in {r.window_start for r in e.kpis() if r.window == "1m"}


def test_an_event_after_its_day_closed_counts_nowhere_and_alerts_nobody() -> None:
    e = engine()
    send(e, visit("2026-12-06T00:00:00.000"))
    out = send(e, order("23:59:59", 9000))  # the 4th closed at the start of the 6th
    assert out.expired and out.kpis == [] and out.alerts == []
    assert send(e, order("2026-12-05T00:00:00.000", 9000)).alerts  # the 5th is still open


def test_a_duplicate_event_id_is_skipped_even_with_other_content() -> None:
    e = engine()
    first = order("10:00:00", 100)
    send(e, first)
    out = send(e, {**first, "payload": {**first["payload"], "amount": 7000}})
    assert out.duplicate and out.kpis == [] and out.alerts == [] and out.dead_letter is None
    assert {r.revenue_cents for r in e.kpis() if r.dimension == "all"} == {10000}


def test_revenue_is_whole_pence_rounded_half_up_from_the_number_written() -> None:
    e = engine()
    send(e, order("10:00:00", 0.005))
    send(e, order("10:00:01", 2.675))  # 2.67499999... as a binary float; 2.68 as written
    out = send(e, order("10:00:02", 10.1))
    (minute,) = records(out, "1m")
    assert minute.revenue_cents == 1 + 268 + 1010
    assert '"revenue": 12.79,' in minute.to_json()
    send(e, order("10:00:03", 7.21))
    (record,) = [r for r in e.kpis() if r.window == "1m" and r.dimension == "all"]
    assert '"revenue": 20.00,' in record.to_json()
    assert KpiRecord.from_dict(json.loads(record.to_json())) == record


def test_unknown_customers_enrich_as_unassigned_but_count_as_active() -> None:
    e = engine()
    out = send(e, visit("10:00:00", key=77))
    assert {
        (r.dimension, r.dimension_value) for r in records(out, "1d", "rep") + records(out, "1d", "region")
    } == {
        ("rep", "unassigned"),
        ("region", "unknown"),
    }
    assert records(out, "1d")[0].active_customers == 1
    assert records(send(e, visit("10:00:01", key=None)), "1d")[0].active_customers == 1


def test_reference_data_changed_while_running_applies_to_the_next_events() -> None:
    e = engine()
    send(e, visit("10:00:00", key=77))
    e.upsert_customer(Customer(77, "Cara Diaz", "London", "New", 0.9))
    out = send(e, visit("10:00:01", key=77))
    assert [r.dimension_value for r in records(out, "1d", "rep")] == ["Cara Diaz"]
    assert alert_ids(out) == ["churn_risk_active:77:2026-12-04"]
    click = event("campaign_click", "10:00:02", campaign_id="C9", cost=9.5)
    assert send(e, click).alerts == []  # no budget known yet
    e.upsert_campaign(Campaign("C9", "Flash", 10.0))
    out = send(e, event("campaign_click", "10:00:03", campaign_id="C9", cost=0.5))
    assert alert_ids(out) == ["campaign_budget:C9:80", "campaign_budget:C9:100"]
    assert [a.severity for a in out.alerts] == ["warning", "high"]
    assert [a.customer_key for a in out.alerts] == [None, None] and out.alerts[0].rep is None


def test_churn_alert_fires_once_per_customer_per_day() -> None:
    e = engine()
    first = send(e, visit("10:00:00", key=2))
    assert alert_ids(first) == ["churn_risk_active:2:2026-12-04"]
    assert send(e, order("11:00:00", 10, key=2)).alerts == []
    assert alert_ids(send(e, visit("2026-12-05T08:00:00.000", key=2))) == ["churn_risk_active:2:2026-12-05"]
    assert send(e, visit("12:00:00", key=1)).alerts == []  # Ann's risk is low


def test_a_lead_alerts_each_time_its_score_crosses_seventy_from_below() -> None:
    e = engine()
    lead = {"lead_id": "L1"}
    assert alert_ids(send(e, event("lead_created", "10:00:00", None, score=70, **lead))) != []
    assert send(e, event("lead_moved", "10:01:00", None, stage="qualified", score=90, **lead)).alerts == []
    assert send(e, event("lead_moved", "10:02:00", None, stage="proposal", score=40, **lead)).alerts == []
    out = send(e, event("lead_moved", "10:03:00", None, stage="won", score=71, **lead))
    (alert,) = out.alerts
    assert (alert.rule, alert.customer_key, alert.rep, alert.region) == (
        "lead_score_crossed",
        None,
        "unassigned",
        "unknown",
    )
    assert records(out, "1m")[0].conversions == 1
    assert send(e, event("lead_created", "10:04:00", None, lead_id="L2", score=69.9)).alerts == []


def test_alerts_carry_what_the_portal_shows() -> None:
    e = engine()
    out = send(e, order("10:00:00", 5000, key=2, channel="phone"))
    assert alert_ids(out) == [f"high_value_order:{out.alerts[0].event_id}", "churn_risk_active:2:2026-12-04"]
    data = json.loads(out.alerts[0].to_json())
    assert set(data) == {
        "alert_id", "rule", "severity", "customer_key", "rep", "region", "event_id", "occurred_at", "message", "details"
    }  # fmt: skip
    assert (data["rep"], data["region"], data["occurred_at"]) == (
        "Bob Stone",
        "South",
        "2026-12-04T10:00:00Z",
    )
    assert data["details"]["amount"] == "5000.00" and "5000.00" in data["message"]
    assert Alert.from_dict(data) == out.alerts[0]
    assert send(e, order("10:00:01", 4999.99)).alerts == []
    mention = send(e, event("social_mention", "10:00:02", text="awful", sentiment=-0.5))
    assert [a.rule for a in mention.alerts] == ["negative_mention"]


def test_thresholds_can_be_set() -> None:
    e = engine(thresholds=Thresholds(high_value_order_cents=100_00, churn_risk=0.05))
    assert alert_ids(send(e, order("10:00:00", 100, key=1)))[1] == "churn_risk_active:1:2026-12-04"
