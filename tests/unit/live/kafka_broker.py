"""A throw-away single-node Kafka broker on loopback for the live listener's tests.

The jars come from Maven Central (``org.apache.kafka:kafka_2.13`` and the log4j binding, copied once to
``var/kafka/broker``); the broker runs in its own process group, output in ``<dir>/broker.log``.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from settings import ROOT

JARS = ROOT / "var" / "kafka" / "broker"
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>c360</groupId><artifactId>broker-jars</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>4.4.0</version></dependency>
<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>
</dependencies></project>
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch_jars(work: Path) -> Path:
    """The broker's jars in ``var/kafka/broker``, fetched by Maven the first time."""
    if any(JARS.glob("kafka_2.13-*.jar")):
        return JARS
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(POM)
    with open(work / "mvn.log", "wb") as log:
        subprocess.run(
            [
                "mvn",
                "-q",
                "-f",
                str(work / "pom.xml"),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={JARS}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )
    return JARS


class Broker:
    """One KRaft node (broker and controller) on two free loopback ports."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port, self.controller = _free_port(), _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _java(self, *args: str) -> list[str]:
        jars = fetch_jars(self.directory / "maven")
        return [
            "java",
            "-Xmx512m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            f"-Dlog4j2.configurationFile={self.directory / 'log4j2.properties'}",
            "-cp",
            str(jars / "*"),
            *args,
        ]

    def start(self, timeout: float = 120.0) -> Broker:
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(d / "data"),
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "group.consumer.heartbeat.interval.ms": "500",
            "group.consumer.min.heartbeat.interval.ms": "500",
        }
        (d / "server.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (d / "log4j2.properties").write_text(
            "appender.out.type = Console\nappender.out.name = out\nappender.out.layout.type = PatternLayout\n"
            "appender.out.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = warn\n"
            "rootLogger.appenderRef.out.ref = out\n"
        )
        cluster = "c" + base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")[1:]
        with open(d / "format.log", "wb") as out:
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "--cluster-id",
                    cluster,
                    "--config",
                    str(d / "server.properties"),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=120,
            )
        with open(d / "broker.log", "ab") as out:
            self.process = subprocess.Popen(
                self._java("kafka.Kafka", str(d / "server.properties")),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (d / "broker.log").read_text(errors="replace")[-3000:]
                self.stop()
                raise RuntimeError(f"the Kafka broker did not start:\n{log}")
            try:
                admin.list_topics(timeout=2)
                return self
            except KafkaException:
                time.sleep(0.3)

    def create_topics(self, *names: str, partitions: int = 1) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        for future in futures.values():
            future.result(timeout=30)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        except ProcessLookupError:
            pass
        self.process = None
