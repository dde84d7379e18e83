"""``python -m pipeline schedule`` as two replicas on one warehouse: one leads, the other takes over when it stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[3]
LEADS = "this replica leads"
LEASE = 2.0


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return False


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[bytes], Path]]]:
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    yield started
    for proc, _log in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    tmp_path: Path, name: str, started: list[tuple[subprocess.Popen[bytes], Path]], metrics_port: int = 0
) -> tuple[subprocess.Popen[bytes], Path]:
    env = {
        **os.environ,
        "C360_VAR_DIR": str(tmp_path),
        "C360_DATABASE_URL": "",
        "C360_LEADER_LEASE_SECONDS": str(LEASE),
        "C360_LOG_FORMAT": "json",
        "C360_SCHEDULER_METRICS_PORT": str(metrics_port),
    }
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "schedule"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    started.append((proc, log))
    return proc, log


@pytest.mark.slow
def test_one_replica_schedules_and_the_other_takes_over_when_it_stops(
    tmp_path: Path, replicas: list[tuple[subprocess.Popen[bytes], Path]]
) -> None:
    port = _free_port()
    first, first_log = _start(tmp_path, "first", replicas, metrics_port=port)
    assert _wait_for(first_log, LEADS, first, 120), first_log.read_text()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert "c360_pipeline_step_duration_seconds" in answer.read().decode()
    second, second_log = _start(tmp_path, "second", replicas)
    assert _wait_for(second_log, "one replica leads", second, 120), second_log.read_text()
    time.sleep(LEASE * 2)
    assert LEADS not in second_log.read_text()  # the first still leads: the second only waits

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    with engine.connect() as conn:
        jobs = {r[0] for r in conn.execute(sa.text("SELECT id FROM ops_scheduler_job"))}
    engine.dispose()
    assert {"pipeline-batch", "models-retrain", "privacy-retention", "warehouse-backup"} <= jobs

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    assert "scheduler stopped" in first_log.read_text()
    stopped = time.monotonic()
    assert _wait_for(second_log, LEADS, second, 30), second_log.read_text()
    assert time.monotonic() - stopped < LEASE * 3  # a cleanly stopped leader frees the lock at once
