"""Scale-out on the real broker: two Streams instances share the partitioned events, two web replicas each keep
their live board, and a killed instance, a killed replica or a restarted broker loses and doubles nothing."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from pipeline.events import kpis_by_sql
from pipeline.events.broker import (
    ALERTS_TOPIC,
    CAMPAIGNS_TOPIC,
    CUSTOMERS_TOPIC,
    EVENTS_TOPIC,
    TOPICS,
    LocalKafka,
    create_topics,
)
from pipeline.events.kafka_io import EventProducer, JsonProducer, read_to_end
from tests.integration.realtime import generate
from tests.integration.realtime.portal_replica import PortalReplica
from tests.integration.realtime.streams_app import StreamsApp, build_jar
from tests.integration.realtime.test_streams_end_to_end import SETTINGS, KpiTail, describe
from tests.unit.portal.portal_data import build_portal_warehouse

pytestmark = pytest.mark.slow

FIRST, SECOND = 20_000, 10_000
PEOPLE = generate.customers(300)
CUSTOMERS = {c["customer_key"]: c for c in PEOPLE}


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held; fails the test with ``what`` after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def group_members(bootstrap: str, group: str) -> dict[str, set[tuple[str, int]]]:
    """The consumer group's members (client id) and the partitions each is assigned, as the broker reports them."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    description = admin.describe_consumer_groups([group])[group].result(30)
    assert description.state == ConsumerGroupState.STABLE or description.members, description
    return {
        m.client_id: {(tp.topic, tp.partition) for tp in m.assignment.topic_partitions}
        for m in description.members
    }


def event_partitions(members: dict[str, set[tuple[str, int]]], topic: str) -> list[set[int]]:
    """Each member's partitions of ``topic`` (members without any included)."""
    return [{p for t, p in parts if t == topic} for parts in members.values()]


def prefixed_topics(prefix: str) -> dict[str, Any]:
    """The contract's topics under ``prefix`` instead of ``c360``."""
    return {prefix + name[len("c360") :]: spec for name, spec in TOPICS.items() if name.startswith("c360.")}


def load_reference(bootstrap: str, prefix: str = "c360") -> None:
    """The customers and campaigns the Streams application enriches with."""
    with JsonProducer(bootstrap) as producer:
        producer.publish(CUSTOMERS_TOPIC.replace("c360", prefix, 1), PEOPLE, "customer_key")
        producer.publish(CAMPAIGNS_TOPIC.replace("c360", prefix, 1), generate.campaigns(5), "campaign_id")


def todays_events(count: int, prefix: str, seed: int) -> list[dict[str, Any]]:
    """``count`` events of the last minute (today, so the Overview's live tiles count them), 2 ms apart at most."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = max(now - dt.timedelta(seconds=60), now.replace(hour=0, minute=0, second=0))  # never yesterday
    return generate.events(count, seed=seed, prefix=prefix, customer_count=300, start=start, step_ms=2)


def today_total(events: list[dict[str, Any]]) -> dict[str, Any]:
    """SQL's value of today's all-customers KPI for ``events``."""
    day = events[0]["occurred_at"][:10]
    return kpis_by_sql(events, CUSTOMERS)[f"1d|{day}T00:00:00Z|all|all"]


def shows(replica: PortalReplica, total: dict[str, Any]) -> bool:
    """Whether the replica's live tiles show today's ``total`` (events, orders and revenue)."""
    today = replica.live()["today"]
    return (today["events"], today["orders"], today["revenue"]) == (
        float(total["events"]),
        float(total["orders"]),
        float(total["revenue"]),
    )


@pytest.fixture()
def cleanup() -> Iterator[list[Callable[[], None]]]:
    """Stops registered here run on teardown, last started first."""
    stops: list[Callable[[], None]] = []
    try:
        yield stops
    finally:
        for stop in reversed(stops):
            stop()


def test_two_streams_instances_share_the_partitions_and_a_killed_one_is_taken_over_without_double_counting(
    own_kafka: LocalKafka, tmp_path: Path, cleanup: list[Callable[[], None]]
) -> None:
    create_topics(own_kafka.bootstrap)
    load_reference(own_kafka.bootstrap)
    app_id = f"c360-scale-{uuid.uuid4().hex[:6]}"
    jar = build_jar()
    instances = [
        StreamsApp(jar, own_kafka.bootstrap, tmp_path / name, app_id, SETTINGS) for name in ("one", "two")
    ]
    for instance in instances:
        cleanup.append(instance.stop)
        instance.start()

    first = generate.events(FIRST, seed=11, prefix="a", customer_count=300, step_ms=4)
    second = generate.events(SECOND, seed=12, prefix="b", customer_count=300, step_ms=4)
    started = time.monotonic()
    with EventProducer(own_kafka.bootstrap) as producer:
        producer.send_all(first)
    tail = KpiTail(own_kafka.bootstrap)
    cleanup.append(tail.close)
    expected = kpis_by_sql(first, CUSTOMERS)
    actual = tail.wait_for(expected, FIRST, timeout=150)
    processed = time.monotonic() - started
    assert actual == expected, describe(actual, expected)

    members = group_members(own_kafka.bootstrap, app_id)
    shares = event_partitions(members, EVENTS_TOPIC)
    assert len(shares) == 2 and all(shares), f"both instances consume {EVENTS_TOPIC}: {members}"
    assert sorted(p for share in shares for p in share) == list(range(6)), "each partition to one instance"

    # A crash of one instance in the middle of the second batch: the other takes its partitions over.
    with EventProducer(own_kafka.bootstrap) as producer:
        producer.send_all(second)
    deadline = time.monotonic() + 60
    while tail.day_events() <= FIRST:
        assert time.monotonic() < deadline, "the second batch was not being processed"
        tail.poll(0.05)
    instances[1].kill()
    counted_at_kill = tail.day_events()
    killed = time.monotonic()
    assert counted_at_kill < FIRST + SECOND, "killed before the end of the batch"

    expected = kpis_by_sql(first + second, CUSTOMERS)
    actual = tail.wait_for(expected, FIRST + SECOND, timeout=150)
    assert actual == expected, describe(actual, expected)
    taken_over = time.monotonic() - killed
    shares = event_partitions(group_members(own_kafka.bootstrap, app_id), EVENTS_TOPIC)
    assert shares == [set(range(6))], f"the surviving instance holds every partition: {shares}"
    # Alerts too are written once each, whichever instance fired them: one record per high-value order.
    alerts = [r.json() for r in read_to_end(own_kafka.bootstrap, ALERTS_TOPIC)]
    high = [a["alert_id"] for a in alerts if a["rule"] == "high_value_order"]
    big_orders = [
        f"high_value_order:{e['event_id']}"
        for e in first + second
        if e["type"] == "order_placed" and e["payload"]["amount"] >= 5000
    ]
    assert big_orders and sorted(high) == sorted(big_orders)
    print(
        f"\n{FIRST} events on 2 instances equal SQL after {processed:.1f} s; one killed at "
        f"{counted_at_kill - FIRST} of {SECOND}; totals equal again {taken_over:.1f} s later"
    )


def test_a_killed_web_replica_leaves_the_other_updating(
    kafka: LocalKafka, tmp_path: Path, cleanup: list[Callable[[], None]]
) -> None:
    prefix = f"s{uuid.uuid4().hex[:6]}"
    create_topics(kafka.bootstrap, prefixed_topics(prefix))
    load_reference(kafka.bootstrap, prefix)
    streams = StreamsApp(
        build_jar(),
        kafka.bootstrap,
        tmp_path / "streams",
        f"c360-{prefix}",
        {**SETTINGS, "c360.topic.prefix": prefix},
    )
    cleanup.append(streams.stop)
    streams.start()
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    warehouse.engine.dispose()
    replicas = [
        PortalReplica(tmp_path / "warehouse.db", tmp_path / name, kafka.bootstrap, prefix)
        for name in ("a", "b")
    ]
    for replica in replicas:
        cleanup.append(replica.stop)
        replica.start()

    first = todays_events(2_000, "w1", seed=21)
    second = todays_events(2_000, "w2", seed=22)
    with EventProducer(kafka.bootstrap, topic=f"{prefix}.events") as producer:
        producer.send_all(first)
    total = today_total(first)
    for replica in replicas:
        wait_for(lambda r=replica: shows(r, total), 90, f"{replica.base} shows {total['events']} events")

    replicas[0].kill()
    with EventProducer(kafka.bootstrap, topic=f"{prefix}.events") as producer:
        producer.send_all(second)
    total = today_total(first + second)
    seconds = wait_for(
        lambda: shows(replicas[1], total), 90, f"the surviving replica shows {total['events']}"
    )
    print(f"\nthe surviving replica shows the new total {seconds:.1f} s after the produce")


def test_producer_and_listener_recover_from_a_broker_restart_on_their_own(
    own_kafka: LocalKafka, tmp_path: Path, cleanup: list[Callable[[], None]]
) -> None:
    create_topics(own_kafka.bootstrap)
    load_reference(own_kafka.bootstrap)
    streams = StreamsApp(build_jar(), own_kafka.bootstrap, tmp_path / "streams", "c360-restart", SETTINGS)
    cleanup.append(streams.stop)
    streams.start()
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    warehouse.engine.dispose()
    replica = PortalReplica(tmp_path / "warehouse.db", tmp_path / "portal", own_kafka.bootstrap)
    cleanup.append(replica.stop)
    replica.start()

    first = todays_events(1_000, "r1", seed=31)
    second = todays_events(1_000, "r2", seed=32)
    producer = EventProducer(own_kafka.bootstrap)
    cleanup.append(producer.close)
    producer.send_all(first)
    producer.flush(30)
    total = today_total(first)
    wait_for(lambda: shows(replica, total), 90, f"the replica shows {total['events']} events")

    own_kafka.stop()
    assert shows(replica, today_total(first)), "while the broker is away the tiles keep their last numbers"
    for event in second[:500]:
        producer.send(event)  # held by the producer while the broker is away
    own_kafka.start()
    restarted = time.monotonic()
    for event in second[500:]:
        producer.send(event)
    producer.flush(90)
    total = today_total(first + second)
    wait_for(lambda: shows(replica, total), 120, f"the replica shows {total['events']} after the restart")
    print(
        f"\nafter the broker restart the replica shows the new total in {time.monotonic() - restarted:.1f} s"
    )
