"""Change data capture: Kafka Connect standalone with the Debezium PostgreSQL connector on the warehouse's tables.

Each change of ``dim_customer`` or ``dim_campaign`` (insert, update, delete) becomes a record on
``c360.cdc.<table>`` in Debezium's envelope (``op``, ``before``, ``after``, ``source``, ``ts_ms``), keyed by the
primary key. PostgreSQL must run with ``wal_level=logical``; the connector keeps a replication slot there, which
:meth:`DebeziumConnect.drop_slot` removes when the capture is retired.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess  # runs Kafka Connect with fixed arguments  # nosec B404
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.events.broker import (
    JARS_DIR,
    START_TIMEOUT,
    BrokerError,
    JavaProcess,
    TopicSpec,
    clean_stale_pid,
    create_topics,
    die_with_parent,
    free_port,
    log_tail,
)

logger = logging.getLogger(__name__)

CDC_TABLES = ("dim_customer", "dim_campaign")
TOPIC_PREFIX = "c360.cdc"
CONNECTOR_NAME = "c360-cdc"


@dataclass(frozen=True)
class Database:
    """Where Debezium connects: the warehouse's PostgreSQL server and database."""

    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        """Read a SQLAlchemy ``postgresql+...://`` URL."""
        parsed = sa.engine.make_url(url)
        if not parsed.drivername.startswith("postgresql"):
            raise ValueError(
                f"Debezium's PostgreSQL connector needs a PostgreSQL warehouse, not {parsed.drivername}"
            )
        return cls(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or "",
            name=parsed.database or "postgres",
        )


def cdc_topic(table: str) -> str:
    """The topic a table's changes go to."""
    return f"{TOPIC_PREFIX}.{table}"


def connector_properties(
    db: Database,
    *,
    slot: str,
    tables: Sequence[str] = CDC_TABLES,
    schema: str = "public",
    poll_interval_ms: int = 50,
) -> dict[str, str]:
    """The Debezium PostgreSQL connector's settings: logical decoding with pgoutput, one publication for ``tables``."""
    return {
        "name": CONNECTOR_NAME,
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": db.host,
        "database.port": str(db.port),
        "database.user": db.user,
        "database.password": db.password,
        "database.dbname": db.name,
        "plugin.name": "pgoutput",
        "slot.name": slot,
        "publication.name": slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": ",".join(f"{schema}.{table}" for table in tables),
        "topic.prefix": TOPIC_PREFIX,
        "poll.interval.ms": str(poll_interval_ms),
        "decimal.handling.mode": "string",
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
        "topic.creation.default.cleanup.policy": "compact",
        # c360.cdc.public.dim_customer -> c360.cdc.dim_customer, the contract's topic names.
        "transforms": "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": re.escape(TOPIC_PREFIX) + r"\.[^.]+\.(.*)",
        "transforms.route.replacement": f"{TOPIC_PREFIX}.$1",
    }


def worker_properties(bootstrap: str, directory: Path, rest_port: int) -> dict[str, str]:
    """The standalone worker's settings: plain JSON records, offsets in a file, plugins found through the classpath."""
    return {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "offset.storage.file.filename": str(directory / "offsets.dat"),
        "offset.flush.interval.ms": "1000",
        "listeners": f"http://127.0.0.1:{rest_port}",
        "plugin.discovery": "service_load",
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    }


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
"""


def _write_properties(path: Path, settings: Mapping[str, str]) -> None:
    path.write_text(
        "".join(f"{key}={value.replace(chr(92), chr(92) * 2)}\n" for key, value in settings.items())
    )


class ConnectWorker(JavaProcess):
    """Kafka Connect standalone in its own process group, logging to ``connect.log``; runs one connector or none.

    Connector settings may name secrets as ``${env:NAME}``: the worker reads them from its environment (``env``).
    """

    label = "Kafka Connect"

    def __init__(
        self,
        directory: Path,
        bootstrap: str,
        *,
        env: Mapping[str, str] | None = None,
        jars: Path = JARS_DIR / "connect",
        heap: str = "512m",
        java: str = "java",
    ) -> None:
        self.directory = directory
        self.bootstrap = bootstrap
        self.env = dict(env or {})
        self.jars = jars
        self.heap = heap
        self.java = java
        self.rest_port = 0
        self.connector_name: str | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.directory / "connect.log"

    @property
    def pid_file(self) -> Path:
        return self.directory / "connect.pid"

    def start(
        self, connector: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT
    ) -> ConnectWorker:
        """Start the worker (with ``connector``, waiting until its task runs; without, until its REST API answers)."""
        if not any(self.jars.glob("connect-runtime-*.jar")):
            raise BrokerError(f"no Kafka Connect jars in {self.jars}: run `make kafka-jars`")
        self.directory.mkdir(parents=True, exist_ok=True)
        worker = self.directory / "worker.properties"
        clean_stale_pid(self.pid_file, str(worker))
        self.rest_port = free_port()
        settings = worker_properties(self.bootstrap, self.directory, self.rest_port)
        _write_properties(worker, settings)
        (self.directory / "log4j2.properties").write_text(LOG4J2)
        args = [str(worker)]
        if connector is not None:
            _write_properties(self.directory / "connector.properties", connector)
            args.append(str(self.directory / "connector.properties"))
            self.connector_name = connector["name"]
        cmd = [
            *die_with_parent(),
            self.java,
            f"-Xmx{self.heap}",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.directory / 'log4j2.properties'}",
            "-cp",
            str(self.jars / "*"),
            "org.apache.kafka.connect.cli.ConnectStandalone",
            *args,
        ]
        started = time.monotonic()
        with open(self.log_file, "ab") as out:
            self.process = subprocess.Popen(  # java with our jars and config  # nosec B603
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **self.env},
            )
        self.pid_file.write_text(str(self.process.pid))
        try:
            self._wait_running(started + timeout)
        except BaseException:
            self.kill()
            raise
        logger.info(
            "Kafka Connect running %s in %.1f s",
            self.connector_name or "no connector",
            time.monotonic() - started,
        )
        return self

    def _rest(self, path: str, body: Mapping[str, Any] | None = None, timeout: float = 2.0) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rest_port}{path}",
            data=None if body is None else json.dumps(body).encode(),
            method="GET" if body is None else "PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http to loopback  # nosec B310
            return json.load(response)

    def status(self) -> dict[str, Any] | None:
        """The connector's status from the worker's REST API, or None while it is not answering."""
        try:
            body: dict[str, Any] = self._rest(f"/connectors/{self.connector_name}/status")
        except (urllib.error.URLError, OSError, ValueError):
            return None
        return body

    def _ready(self) -> bool:
        if self.connector_name is None:
            try:
                self._rest("/connector-plugins")
            except (urllib.error.URLError, OSError, ValueError):
                return False
            return True
        status = self.status()
        tasks = (status or {}).get("tasks") or []
        if any(task.get("state") == "FAILED" for task in tasks):
            raise BrokerError(f"the connector's task failed: {tasks[0].get('trace', '')[:2000]}")
        return bool(
            status and status["connector"]["state"] == "RUNNING" and tasks and tasks[0]["state"] == "RUNNING"
        )

    def _wait_running(self, deadline: float) -> None:
        while not self._ready():
            if self.process is None or self.process.poll() is not None:
                raise BrokerError(f"Kafka Connect exited while starting:\n{log_tail(self.log_file)}")
            if time.monotonic() > deadline:
                raise BrokerError(f"Kafka Connect was not running in time:\n{log_tail(self.log_file)}")
            time.sleep(0.2)

    def validate(self, connector: Mapping[str, str], timeout: float = 120.0) -> dict[str, list[str]]:
        """The connector's own checks of a configuration: setting name -> its errors (only settings with errors)."""
        plugin = connector["connector.class"].rsplit(".", 1)[-1]
        body = self._rest(f"/connector-plugins/{plugin}/config/validate", dict(connector), timeout=timeout)
        return {
            item["value"]["name"]: item["value"]["errors"]
            for item in body["configs"]
            if item.get("value") and item["value"].get("errors")
        }


class DebeziumConnect(ConnectWorker):
    """Kafka Connect running the Debezium PostgreSQL connector on the warehouse's customer and campaign tables."""

    def __init__(
        self,
        directory: Path,
        bootstrap: str,
        database_url: str,
        *,
        slot: str = "c360_cdc",
        tables: Sequence[str] = CDC_TABLES,
        jars: Path = JARS_DIR / "connect",
        heap: str = "512m",
        java: str = "java",
    ) -> None:
        super().__init__(directory, bootstrap, jars=jars, heap=heap, java=java)
        self.database_url = database_url
        self.db = Database.from_url(database_url)
        self.slot = slot
        self.tables = tuple(tables)

    @property
    def topics(self) -> list[str]:
        return [cdc_topic(table) for table in self.tables]

    def start(
        self, connector: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT
    ) -> DebeziumConnect:
        """Create the change topics, start the worker and wait until the capture runs."""
        if not any(self.jars.glob("debezium-connector-postgres-*.jar")):
            raise BrokerError(f"no Debezium jars in {self.jars}: run `make kafka-jars`")
        create_topics(
            self.bootstrap, {topic: TopicSpec(1, {"cleanup.policy": "compact"}) for topic in self.topics}
        )
        settings = connector or connector_properties(self.db, slot=self.slot, tables=self.tables)
        super().start(settings, timeout)
        return self

    def drop_slot(self) -> None:
        """Remove the replication slot and publication, so the server stops keeping WAL for this capture."""
        engine = sa.create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        " WHERE slot_name = :slot AND NOT active"
                    ),
                    {"slot": self.slot},
                )
                conn.execute(sa.text(f'DROP PUBLICATION IF EXISTS "{self.slot}"'))
        finally:
            engine.dispose()

    def __enter__(self) -> DebeziumConnect:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
