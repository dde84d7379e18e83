"""``evaluate foreign`` on a small US set: the engine and the plain Splink baseline side by side."""

from __future__ import annotations

import pytest

from pipeline.identity.cli import main
from pipeline.identity.foreign import foreign_records


def test_foreign_set_is_deterministic_and_keeps_its_truth() -> None:
    a, b = foreign_records(200, seed=3), foreign_records(200, seed=3)
    assert a.equals(b)
    assert a["entity_id"].nunique() == 200
    assert a["zip"].str.contains("-").any()  # ZIP+4 present
    assert a["phone"].str.startswith("+1").any() and a["phone"].str.contains(r"^\(\d{3}\) ").any()


def test_evaluate_foreign_prints_engine_beside_splink(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "foreign", "--customers", "600", "--seed", "5", "--baseline", "splink"]) == 0
    out = capsys.readouterr().out
    engine = next(line for line in out.splitlines() if line.startswith("engine"))
    splink = next(line for line in out.splitlines() if line.startswith("baseline (plain splink)"))
    f1 = float(engine.split("f1=")[1].split()[0])
    assert f1 >= 0.98, engine
    assert "f1=" in splink
