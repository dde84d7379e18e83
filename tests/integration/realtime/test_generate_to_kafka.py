"""`python -m pipeline events generate --kafka` (its function, on a warehouse of the portal fixture): the demo day
reaches Kafka after the reference data the Streams application enriches with, and the event log holds the same
events."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.cli import _generate as generate
from pipeline.events import log
from pipeline.events.broker import CAMPAIGNS_TOPIC, CUSTOMERS_TOPIC, EVENTS_TOPIC, LocalKafka, create_topics
from pipeline.events.kafka_io import read_to_end
from pipeline.events.reference import load_campaigns, load_customers
from tests.unit.portal.portal_data import build_portal_warehouse


def test_the_demo_day_reaches_kafka_after_its_reference_data(own_kafka: LocalKafka, tmp_path: Path) -> None:
    create_topics(own_kafka.bootstrap)
    warehouse = build_portal_warehouse(tmp_path / "warehouse.db")
    assert generate(warehouse, 3600, 3, seed=5, start_hour=9, kafka=own_kafka.bootstrap) == 0
    customers = read_to_end(own_kafka.bootstrap, CUSTOMERS_TOPIC)
    assert {(r.key or b"").decode() for r in customers} == {str(k) for k in load_customers(warehouse)}
    campaigns = read_to_end(own_kafka.bootstrap, CAMPAIGNS_TOPIC)
    assert {(r.key or b"").decode() for r in campaigns} == set(load_campaigns(warehouse))
    produced = [json.loads(r.value or b"null") for r in read_to_end(own_kafka.bootstrap, EVENTS_TOPIC)]
    logged = [event for _, event in log.tail(warehouse, 0, 100_000)]
    assert produced and sorted(e["event_id"] for e in produced) == sorted(e["event_id"] for e in logged)
