"""The live listener's consumer lag, measured in a thread of its own so the listener's poll loop never waits.

Every ``interval`` seconds :class:`LagProbe` reads the end offset of each partition of the listener's topics
(with a consumer of its own that joins no group) and subtracts the listener's position on it (a local read
the listener keeps, :attr:`pipeline.events.listener.KafkaSource.positions`); a partition the listener has not
read from yet counts from its first offset, since the listener starts from the earliest. The result goes to
the ``c360_stream_consumer_lag`` gauge.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ops import streaming

logger = logging.getLogger(__name__)

Partition = tuple[str, int]
Positions = Callable[[], Mapping[Partition, int]]


def lags(
    ends: Mapping[Partition, int], starts: Mapping[Partition, int], positions: Mapping[Partition, int]
) -> dict[Partition, int]:
    """Records not yet read per partition: its end minus the listener's position (or its start, unread)."""
    return {tp: max(end - positions.get(tp, starts.get(tp, 0)), 0) for tp, end in ends.items()}


class LagProbe(threading.Thread):
    """A daemon thread measuring the lag of ``positions()`` on ``topics`` every ``interval`` seconds."""

    def __init__(
        self,
        bootstrap: str,
        topics: Iterable[str],
        positions: Positions,
        *,
        interval: float = 15.0,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(name="live-listener-lag", daemon=True)
        self.bootstrap = bootstrap
        self.topics = tuple(topics)
        self.positions = positions
        self.interval = interval
        self.timeout = timeout
        self.measured: dict[Partition, int] = {}
        self._stopping = threading.Event()
        self._consumer: Any = None

    def _offsets(self) -> tuple[dict[Partition, int], dict[Partition, int]]:
        """The first and the end offset of every partition of the topics (topics not there yet are left out)."""
        from confluent_kafka import Consumer, TopicPartition

        if self._consumer is None:
            self._consumer = Consumer(
                {
                    "bootstrap.servers": self.bootstrap,
                    "group.id": f"c360-lag-probe-{uuid.uuid4().hex}",  # never joined: offsets only
                    "enable.auto.commit": False,
                    "logger": logger,
                }
            )
        starts: dict[Partition, int] = {}
        ends: dict[Partition, int] = {}
        for topic in self.topics:
            meta = self._consumer.list_topics(topic, timeout=self.timeout).topics.get(topic)
            if meta is None or meta.error is not None:
                continue
            for partition in meta.partitions:
                low, high = self._consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=self.timeout, cached=False
                )
                starts[(topic, partition)], ends[(topic, partition)] = low, high
        return starts, ends

    def measure(self) -> dict[Partition, int]:
        """Measure once and set the gauge; returns the lag per partition."""
        positions = dict(self.positions())  # taken first: the lag is never negative, at worst a moment old
        starts, ends = self._offsets()
        self.measured = lags(ends, starts, positions)
        streaming.set_lag(self.measured)
        return self.measured

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self.measure()
                except Exception:  # a broker away for a while: measured again next time
                    logger.warning("consumer lag not measured", exc_info=True)
                if self._stopping.wait(self.interval):
                    break
        finally:
            consumer, self._consumer = self._consumer, None
            if consumer is not None:
                consumer.close()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the thread to finish; waits at most ``timeout`` seconds (a measurement in flight ends on its own)."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
