"""``python -m pipeline.events broker``: runs Kafka for the demo, keeps its data, and cleans up after a killed run."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.events.broker import EVENTS_TOPIC, LocalKafka, clean_stale_pid
from pipeline.events.kafka_io import EventProducer, read_to_end
from tests.integration.realtime import generate
from tests.integration.realtime.conftest import require_java

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def start_cli(data: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Run the command in its own process group; returns it and the bootstrap address it announces."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.events", "broker", "--dir", str(data)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.findall(r"Kafka is running on (\S+):", log.read_text())
        if len(found) > start_cli.count.get(log, 0):  # type: ignore[attr-defined]
            start_cli.count[log] = len(found)  # type: ignore[attr-defined]
            return proc, found[-1]
        assert proc.poll() is None, log.read_text()
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"no broker announced in 120 s:\n{log.read_text()}")


start_cli.count = {}  # type: ignore[attr-defined]


def jvm_pids(data: Path) -> list[int]:
    """Broker JVMs running on this data directory."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "kafka.Kafka" in cmdline and str(data / "server.properties") in cmdline:
                pids.append(int(proc.name))
    return pids


def test_broker_command_leaves_no_broker_behind_when_killed_and_keeps_its_events(tmp_path: Path) -> None:
    require_java()
    data, log = tmp_path / "kafka", tmp_path / "cli.log"
    first, bootstrap = start_cli(data, log)
    try:
        with EventProducer(bootstrap) as producer:
            producer.send_all(generate.events(20, prefix="cli"))
        os.kill(first.pid, signal.SIGKILL)  # the command dies without cleaning up
        first.wait(10)
        deadline = time.monotonic() + 20
        while jvm_pids(data) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert jvm_pids(data) == [], "the broker outlived the killed command"

        second, bootstrap_again = start_cli(data, log)
        try:
            assert bootstrap_again == bootstrap  # same port as before
            assert len(read_to_end(bootstrap_again, EVENTS_TOPIC)) == 20  # the data directory was kept
            second.send_signal(signal.SIGTERM)
            assert second.wait(60) == 0
        finally:
            if second.poll() is None:
                os.killpg(second.pid, signal.SIGKILL)
        assert jvm_pids(data) == []
    finally:
        for pid in jvm_pids(data):
            os.killpg(pid, signal.SIGKILL)


def test_a_process_left_by_an_earlier_start_is_stopped_at_the_next_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broker = LocalKafka(tmp_path / "kafka")
    broker.directory.mkdir()
    # What a broker started without a parent-death signal leaves when its owner is killed: a pid file and the process.
    # A Python process keeps its command line whatever the shell (a shell may exec its last command and drop it).
    leftover = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)", str(broker.properties)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    broker.pid_file.write_text(str(leftover.pid))
    unrelated = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        with caplog.at_level(logging.WARNING, logger="pipeline.events.broker"):
            clean_stale_pid(broker.pid_file, str(broker.properties))
        assert f"stopping process {leftover.pid} left running" in caplog.text
        assert leftover.wait(10) == -signal.SIGKILL
        assert not broker.pid_file.exists()
        broker.pid_file.write_text(str(unrelated.pid))  # a pid reused by another program is left alone
        clean_stale_pid(broker.pid_file, str(broker.properties))
        assert unrelated.poll() is None
    finally:
        for proc in (leftover, unrelated):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
