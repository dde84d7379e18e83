"""Worker processes report failures as the step would see them, and never outlive the process that started them."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.pool import WorkerPool

ROOT = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 60.0


class TwoPartError(Exception):
    """An exception that does not unpickle (its constructor wants two arguments)."""

    def __init__(self, part: str, whole: str) -> None:
        super().__init__(f"{part} of {whole}")


def fail_plainly(record: str) -> None:
    logging.getLogger("pipeline.test").warning("looking at %s", record)
    raise ValueError(f"record {record}: no amount")


def fail_oddly() -> None:
    raise TwoPartError("a line", "an invoice")


def pid_and_log(text: str) -> int:
    logging.getLogger("pipeline.test").info("worker says %s", text)
    return os.getpid()


def test_a_result_comes_back_with_what_the_worker_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with WorkerPool(1) as pool:
        pid = pool.submit(pid_and_log, "hello").result()
    assert pid != os.getpid()
    assert [r.getMessage() for r in caplog.records if r.name == "pipeline.test"] == ["worker says hello"]


def test_a_worker_failure_is_raised_as_the_same_exception_with_its_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(ValueError, match=r"^record 42: no amount$"), WorkerPool(1) as pool:
        pool.submit(fail_plainly, "42").result()
    assert "looking at 42" in caplog.text
    with pytest.raises(RuntimeError, match=r"^TwoPartError: a line of an invoice$"), WorkerPool(1) as pool:
        pool.submit(fail_oddly).result()


def test_no_workers_run_nothing() -> None:
    with WorkerPool(0) as pool, pytest.raises(RuntimeError, match="no workers"):
        pool.submit(pid_and_log, "x")


HOLDER = """
import multiprocessing, time
from pipeline.pool import WorkerPool
from tests.unit.pipeline.test_worker_pool import pid_and_log
with WorkerPool(2) as pool:
    [pool.submit(pid_and_log, str(n)).result() for n in range(4)]
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    pool.submit(time.sleep, 3).result()  # a chunk being typed
    pool.submit(time.sleep, 600).result()  # never started: Ctrl-C comes first
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _start_holder(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A process with two workers, one of them busy; returns it and its workers' pids."""
    log = tmp_path / "holder.log"
    with log.open("wb") as out:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER], cwd=ROOT, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + WAIT_SECONDS
    while not log.read_text().strip() and time.monotonic() < deadline and holder.poll() is None:
        time.sleep(0.1)
    pids = [int(p) for p in log.read_text().split("\n", 1)[0].split()]
    assert pids and holder.poll() is None, log.read_text()
    return holder, pids


def _wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + WAIT_SECONDS
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_workers_end_when_the_step_is_interrupted_or_its_process_killed(tmp_path: Path, signum: int) -> None:
    holder, pids = _start_holder(tmp_path)
    try:
        holder.send_signal(signum)
        holder.wait(WAIT_SECONDS)
        assert _wait_gone(pids) == [], "no worker outlives the process that started it"
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait()
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
