"""The portal under gunicorn with several workers: exactly one worker leads the scheduler, through the same
warehouse lock as ``python -m pipeline schedule``, and another worker takes over when the leader dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa

from pipeline.events.broker import stop_group
from tests.unit.portal.portal_data import build_served_warehouse
from tests.unit.portal.test_security_headers import free_port

ROOT = Path(__file__).resolve().parents[3]
LEASE = 2.0
T = TypeVar("T")


def _scheduler_holder(engine: sa.Engine, other_than: int = 0) -> int:
    """The pid holding the scheduler's lock (0: none, or still ``other_than``)."""
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pid FROM ops_run_lock WHERE name = 'scheduler'")).scalar()
    return int(pid) if pid is not None and pid != other_than else 0


def _workers(master: int) -> set[int]:
    """The pids of the gunicorn master's live children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _wait(condition: Callable[[], T], timeout: float, log: Path) -> T:
    """The first truthy value of ``condition`` within ``timeout`` seconds; the server's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(log.read_text(errors="replace")[-4000:])


@pytest.mark.slow
def test_one_gunicorn_worker_leads_the_scheduler_and_another_takes_over(tmp_path: Path) -> None:
    build_served_warehouse(tmp_path / "warehouse.db")
    env = os.environ | {
        "C360_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}",
        "C360_VAR_DIR": str(tmp_path),
        "C360_SECRET_KEY": "leader-test-secret",
        "C360_PORT": str(free_port()),
        "C360_HOST": "127.0.0.1",
        "C360_SCHEDULER_ENABLED": "true",
        "C360_LEADER_LEASE_SECONDS": str(LEASE),
        "C360_WEB_WORKERS": "2",
        "C360_WEB_THREADS": "1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_server()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    engine = sa.create_engine(env["C360_DATABASE_URL"])
    try:
        workers = _wait(lambda: _workers(master.pid) if len(_workers(master.pid)) == 2 else set(), 60, log)
        leader = _wait(lambda: _scheduler_holder(engine), 60, log)
        assert leader in workers  # a worker leads, not the master
        time.sleep(LEASE * 2)
        assert _scheduler_holder(engine) == leader  # the other worker only waits: the lead stays put

        os.kill(leader, signal.SIGKILL)  # the leader dies without letting go; gunicorn starts another
        successor = _wait(lambda: _scheduler_holder(engine, other_than=leader), 30, log)
        assert successor in _workers(master.pid)
    finally:
        engine.dispose()
        stop_group(master)
