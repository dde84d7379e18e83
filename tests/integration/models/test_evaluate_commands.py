"""`python -m models evaluate NAME` needs only the runtime requirements: every public data set loads, and an
evaluation runs end to end, with the development-only packages made unimportable in the child process.

The full run of every evaluation from a fresh virtual environment built from requirements.txt is a CI
step (`.ci/run`, `make evaluate-all`): together they take 10–20 minutes on two cores.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from models.evaluate import EVALUATIONS

ROOT = Path(__file__).resolve().parents[3]
#: Import names of packages only requirements-dev.txt installs, which public data once came from.
DEV_ONLY = ("pmdarima", "sktime")
BLOCK = "import sys\nfor name in {names!r}:\n    sys.modules[name] = None  # import now raises ImportError\n"


def _run(code: str, tmp_path: Path, timeout: int = 240) -> str:
    """Run ``code`` in a fresh interpreter with the dev-only packages blocked; returns its stdout."""
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", BLOCK.format(names=DEV_ONLY) + code],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, err.read_text()[-3000:]
    return out.read_text()


def test_every_public_data_set_loads_without_the_dev_only_packages(tmp_path: Path) -> None:
    code = (
        "from models import datasets as d\n"
        "print(len(d.load_monthly('wine')), len(d.load_monthly('airline')), len(d.load_telco()),"
        " len(d.load_amazon_snippets()), d.load_cdnow('sample')['customer_id'].nunique(),"
        " d.load_cdnow('master')['customer_id'].nunique())\n"
        "w = d.load_monthly('wine'); a = d.load_monthly('airline')\n"
        "print(w.index[0].date(), w.index[-1].date(), w.iloc[0], a.index[-1].date(), a.iloc[-1])\n"
    )
    lines = _run(code, tmp_path).splitlines()
    assert lines[0].split() == ["176", "144", "4930", "3708", "2357", "23570"]
    assert lines[1].split() == ["1980-01-01", "1994-08-01", "15136.0", "1960-12-01", "432.0"]


def test_the_blocked_packages_really_cannot_be_imported(tmp_path: Path) -> None:
    code = "try:\n    import pmdarima\nexcept ImportError:\n    print('blocked')\n"
    assert _run(code, tmp_path).strip() == "blocked"


def test_an_evaluation_runs_end_to_end_and_every_name_is_offered(tmp_path: Path) -> None:
    code = "from models.cli import main\nraise SystemExit(main(['evaluate', 'sentiment']))\n"
    last = _run(code, tmp_path).strip().splitlines()[-1]
    figures = dict(pair.split("=") for pair in last.split())
    assert float(figures["vader_accuracy"]) > float(figures["textblob_accuracy"])
    assert "majority_accuracy" in figures
    offered = _run(
        "from models.evaluate import EVALUATIONS\nprint(' '.join(sorted(EVALUATIONS)))\n", tmp_path
    )
    assert offered.split() == sorted(EVALUATIONS)


def test_every_model_module_imports_from_runtime_packages(tmp_path: Path) -> None:
    """The modules every evaluation runs import with the dev-only packages blocked (the runs are in CI)."""
    modules = sorted(p.stem for p in (ROOT / "models").glob("*.py") if p.stem != "__main__")
    code = (
        f"import importlib\nfor m in {modules!r}:\n    importlib.import_module('models.' + m)\nprint('ok')\n"
    )
    assert _run(code, tmp_path).strip() == "ok"
