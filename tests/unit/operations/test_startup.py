"""The portal starts without the heavy libraries no request needs (they cost seconds of every pod start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("recordlinkage", "sklearn", "splink", "prophet", "xgboost", "statsforecast", "apscheduler")


def test_importing_the_portal_loads_no_heavy_library() -> None:
    probe = f"import sys, app; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def test_the_identity_baselines_still_load_on_first_use() -> None:
    probe = "import sys, pipeline.identity as i; i.baseline_dedupe; print('recordlinkage' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.stdout.strip() == "True", done.stderr[-2000:]
