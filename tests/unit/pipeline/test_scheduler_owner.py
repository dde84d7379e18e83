"""Of several web processes, exactly one owns the scheduler and the demo day, and another takes over when it exits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.scheduler_owner import LOCK_NAME, claim

ROOT = Path(__file__).resolve().parents[3]
OTHER_WORKER = "import sys; from pathlib import Path; from pipeline.scheduler_owner import claim; " \
    "print('owner' if claim(Path(sys.argv[1])) else 'listener')"  # fmt: skip


def _other_process(var_dir: Path) -> str:
    done = subprocess.run(  # nosec B603  (this interpreter, fixed arguments)
        [sys.executable, "-c", OTHER_WORKER, str(var_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_only_the_first_process_owns_the_scheduler_until_it_lets_go(tmp_path: Path) -> None:
    owner = claim(tmp_path)
    assert owner is not None
    assert (tmp_path / LOCK_NAME).read_text().strip().isdigit()  # the owner's pid, for whoever looks
    assert _other_process(tmp_path) == "listener"
    owner.close()  # the owning worker exits: the kernel releases its lock
    assert _other_process(tmp_path) == "owner"
