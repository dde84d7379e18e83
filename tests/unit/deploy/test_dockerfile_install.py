"""The Dockerfile's dependency stage, run for real: its RUN steps into a clean virtualenv, then the portal imports."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def dependency_steps(dockerfile: str) -> tuple[dict[str, str], list[str]]:
    """The ``deps`` stage's COPY mapping (image path -> repo path) and its RUN commands, continuations joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile)
    copies: dict[str, str] = {}
    runs: list[str] = []
    stage = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            stage = line.split(" AS ")[-1].strip() if " AS " in line else None
        elif stage == "deps" and line.startswith("COPY "):
            source, target = line.split()[1:3]
            copies[target] = source
        elif stage == "deps" and line.startswith("RUN "):
            runs.append(line.removeprefix("RUN "))
    return copies, runs


def test_the_dependency_stage_is_cached_apart_from_the_source() -> None:
    copies, runs = dependency_steps((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert copies == {
        "/tmp/requirements.txt": "requirements.txt"
    }  # only the pins: code changes keep the layer
    assert any("pip install" in r and "-r /tmp/requirements.txt" in r for r in runs)


@pytest.mark.install
def test_the_dockerfiles_install_steps_give_a_venv_that_runs_the_portal(tmp_path: Path) -> None:
    copies, runs = dependency_steps((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    venv = tmp_path / "venv"
    log = tmp_path / "install.log"
    base_python = getattr(sys, "_base_executable", sys.executable)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for command in runs:
        command = command.replace("/opt/venv", str(venv))
        for target, source in copies.items():
            command = command.replace(target, str(ROOT / source))
        argv = shlex.split(command)
        if argv[0] == "python":
            argv[0] = base_python  # the image's python 3.11; here the one the tests run on
        with log.open("a") as out:
            done = subprocess.run(argv, env=env, stdout=out, stderr=out, timeout=1800, check=False)
        assert done.returncode == 0, f"{command} failed:\n{log.read_text()[-3000:]}"
    python = venv / "bin" / "python"
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    portal = subprocess.run(
        [str(python), "-c", "import app, ops, warehouse.backup, pipeline.cli; print('ok')"],
        cwd=ROOT,
        env={**env, "C360_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert portal.stdout.strip() == "ok", portal.stderr[-3000:]
    assert (venv / "bin" / "gunicorn").exists()
