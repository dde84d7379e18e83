"""A single-node KRaft Kafka broker on loopback, run from the jars ``make kafka-jars`` fetches, and the contract's topics.

The broker runs in its own process group with its output in ``<dir>/broker.log``; its data stays in ``<dir>`` across
stop, kill and restart, on the same ports. It dies with the thread that started it (``setpriv --pdeathsig``), so a
killed owner leaves no broker behind; where that is not available, a pid file left by a broker that outlived its
owner is cleaned up at the next start.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess  # runs our own Kafka tools with fixed arguments  # nosec B404
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

logger = logging.getLogger(__name__)

JARS_DIR = Path(__file__).resolve().parents[2] / "var" / "kafka"
START_TIMEOUT = 120.0
READY_TOPIC = "c360.broker.ready"

EVENTS_TOPIC = "c360.events"
DLQ_TOPIC = "c360.events.dlq"
CUSTOMERS_TOPIC = "c360.customers"
CAMPAIGNS_TOPIC = "c360.campaigns"
KPIS_TOPIC = "c360.kpis"
ALERTS_TOPIC = "c360.alerts"


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the contract (``docs/realtime.md``)."""

    partitions: int
    config: Mapping[str, str] = field(default_factory=dict)


COMPACTED = {"cleanup.policy": "compact"}
TOPICS: dict[str, TopicSpec] = {
    EVENTS_TOPIC: TopicSpec(6),
    DLQ_TOPIC: TopicSpec(1),
    CUSTOMERS_TOPIC: TopicSpec(1, COMPACTED),
    CAMPAIGNS_TOPIC: TopicSpec(1, COMPACTED),
    KPIS_TOPIC: TopicSpec(6),
    ALERTS_TOPIC: TopicSpec(1),
}


class BrokerError(RuntimeError):
    """The broker did not start, or stopped on its own; the message quotes the end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_cluster_id() -> str:
    """A KRaft cluster id (base64 of a UUID) that the storage tool will not read as a flag."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def server_properties(log_dir: Path, port: int, controller_port: int) -> str:
    """The broker's ``server.properties``: one node as broker and controller, every replication factor 1."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "min.insync.replicas": "1",
        "default.replication.factor": "1",
        "group.initial.rebalance.delay.ms": "0",
        "group.consumer.heartbeat.interval.ms": "500",
        "group.consumer.min.heartbeat.interval.ms": "500",
        "log.segment.bytes": str(64 * 1024 * 1024),
        # After a kill the controller waits out the dead broker's session before taking it back (default 9 s).
        "broker.heartbeat.interval.ms": "500",
        "broker.session.timeout.ms": "4000",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
"""


def _read_ports(properties: Path) -> tuple[int, int] | None:
    """The ports an earlier start wrote into ``server.properties``, if any."""
    if not properties.exists():
        return None
    text = properties.read_text()
    port = re.search(r"^listeners=PLAINTEXT://127\.0\.0\.1:(\d+)", text, re.M)
    ctrl = re.search(r"CONTROLLER://127\.0\.0\.1:(\d+)", text)
    return (int(port.group(1)), int(ctrl.group(1))) if port and ctrl else None


def _port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now (connections in TIME_WAIT do not count, as for Java's)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def kill_group(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal a process group started with ``start_new_session``; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def stop_group(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """Stop a process started with ``start_new_session`` and its group: SIGTERM, then SIGKILL after ``grace``
    seconds; the process is reaped either way."""
    if process.poll() is None:
        kill_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass
    kill_group(process.pid)
    process.wait(timeout=10)


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return False
    # A killed JVM's main thread turns zombie before its other threads (and their sockets) are gone.
    return stat.rsplit(")", 1)[-1].split()[0] != "Z" or threads > 1


def clean_stale_pid(pid_file: Path, marker: str) -> None:
    """Kill the process group a pid file names if it still runs ``marker`` (left by a killed owner), then remove it."""
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (ValueError, OSError):
        cmdline = ""
    if cmdline and marker in cmdline:
        logger.warning("stopping process %d left running by an earlier start (%s)", pid, marker)
        kill_group(pid)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)


def die_with_parent() -> list[str]:
    """A command prefix that kills the child when the thread that started it dies (util-linux ``setpriv``).

    Without it a JVM outlives a killed owner (its own process group shields it from the owner's signals); where
    ``setpriv`` is missing, the stale pid file is cleaned at the next start instead.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class JavaProcess:
    """A Java server run in its own process group with a pid file: ``running``, ``stop()`` (SIGTERM, then
    SIGKILL after a timeout) and ``kill()`` (the whole group at once; its data stay)."""

    label = "the process"
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid_file(self) -> Path:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        kill_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0f s: killing it", self.label, timeout)
        self.kill()

    def kill(self) -> None:
        if self.process is None:
            return
        kill_group(self.process.pid)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            logger.error("%s (pid %d) did not die", self.label, self.process.pid)
        self.process = None
        self.pid_file.unlink(missing_ok=True)


class LocalKafka(JavaProcess):
    """One KRaft broker in ``directory``: ``start()``, ``stop()``, ``kill()``, ``restart()``; ``bootstrap`` to connect."""

    label = "the broker"

    def __init__(
        self,
        directory: Path,
        *,
        jars: Path = JARS_DIR / "broker",
        port: int = 0,
        controller_port: int = 0,
        heap: str = "512m",
        java: str = "java",
    ) -> None:
        self.directory = directory
        self.jars = jars
        self.heap = heap
        self.java = java
        self.port, self.controller_port = port, controller_port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def properties(self) -> Path:
        return self.directory / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.directory / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.directory / "broker.pid"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _classpath(self) -> str:
        if not any(self.jars.glob("kafka_2.13-*.jar")):
            raise BrokerError(f"no Kafka broker jars in {self.jars}: run `make kafka-jars`")
        return str(self.jars / "*")

    def _choose_ports(self) -> None:
        if self.port and self.controller_port:
            return
        earlier = _read_ports(self.properties)
        deadline = time.monotonic() + 5
        while earlier and time.monotonic() < deadline:
            if all(_port_is_free(p) for p in earlier):
                self.port, self.controller_port = earlier
                return
            time.sleep(0.1)
        if earlier:
            logger.warning("ports %s of the last start are taken: the broker moves to new ones", earlier)
        self.port = free_port()
        self.controller_port = free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()

    def _java(self, *args: str) -> list[str]:
        return [
            *die_with_parent(),
            self.java,
            f"-Xmx{self.heap}",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.directory / 'log4j2.properties'}",
            "-cp",
            self._classpath(),
            *args,
        ]

    def _format(self) -> None:
        """Write the config and format the data dir once; a formatted dir keeps its cluster id."""
        data = self.directory / "data"
        self.properties.write_text(server_properties(data, self.port, self.controller_port))
        (self.directory / "log4j2.properties").write_text(LOG4J2)
        if (data / "meta.properties").exists():
            return
        cmd = self._java(
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            new_cluster_id(),
            "--config",
            str(self.properties),
        )
        with open(self.directory / "format.log", "wb") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=120, check=False)  # nosec B603
        if done.returncode != 0:
            raise BrokerError(f"formatting {data} failed:\n{log_tail(self.directory / 'format.log')}")

    def start(self, timeout: float = START_TIMEOUT) -> LocalKafka:
        """Start the broker and wait until a produce to it is acknowledged."""
        if self.running:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        clean_stale_pid(self.pid_file, str(self.properties))
        self._choose_ports()
        self._format()
        started = time.monotonic()
        with open(self.log_file, "ab") as out:
            self.process = subprocess.Popen(  # java with our jars and config  # nosec B603
                self._java("kafka.Kafka", str(self.properties)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(self.process.pid))
        try:
            self._wait_ready(started + timeout)
        except BaseException:
            self.kill()
            raise
        logger.info("Kafka broker on %s ready in %.1f s", self.bootstrap, time.monotonic() - started)
        return self

    def _wait_ready(self, deadline: float) -> None:
        admin = AdminClient(
            {"bootstrap.servers": self.bootstrap, "socket.connection.setup.timeout.ms": 2000, "log_level": 0}
        )
        producer = Producer(
            {"bootstrap.servers": self.bootstrap, "acks": "all", "message.timeout.ms": 5000, "log_level": 0}
        )
        delivered: list[KafkaError | None] = []
        while True:
            if self.process is None or self.process.poll() is not None:
                raise BrokerError(f"the broker exited while starting:\n{log_tail(self.log_file)}")
            if time.monotonic() > deadline:
                raise BrokerError(f"the broker was not ready in time:\n{log_tail(self.log_file)}")
            try:
                _create(admin, {READY_TOPIC: TopicSpec(1)}, timeout=5)
                delivered.clear()
                producer.produce(READY_TOPIC, b"ready", on_delivery=lambda err, _msg: delivered.append(err))
                producer.flush(5)
                if delivered and delivered[0] is None:
                    return
            except (KafkaException, TimeoutError) as e:  # a slow answer is not yet ready either
                logger.debug("broker not ready yet: %r", e)
            time.sleep(0.2)

    def restart(self, timeout: float = START_TIMEOUT) -> LocalKafka:
        """Stop and start again on the same data dir and ports."""
        self.stop()
        return self.start(timeout)

    def __enter__(self) -> LocalKafka:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _create(admin: AdminClient, topics: Mapping[str, TopicSpec], timeout: float) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    new = [
        NewTopic(name, num_partitions=spec.partitions, replication_factor=1, config=dict(spec.config))
        for name, spec in topics.items()
    ]
    created = []
    for name, future in admin.create_topics(new, operation_timeout=timeout, request_timeout=timeout).items():
        try:
            future.result(timeout)
            created.append(name)
        except KafkaException as e:
            if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return created


def create_topics(
    bootstrap: str, topics: Mapping[str, TopicSpec] | None = None, timeout: float = 30.0
) -> list[str]:
    """Create the contract's topics (or ``topics``) that are missing; returns the names created."""
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept referenced until every future is done
    created = _create(admin, TOPICS if topics is None else topics, timeout)
    if created:
        logger.info("created topics %s on %s", ", ".join(created), bootstrap)
    return created
