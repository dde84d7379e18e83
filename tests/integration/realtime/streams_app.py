"""The Kafka Streams application (``streams/target/c360-streams.jar``) run as its own process for the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.events.broker import die_with_parent

ROOT = Path(__file__).resolve().parents[3]
JAR = ROOT / "streams" / "target" / "c360-streams.jar"


def build_jar() -> Path:
    """The application's jar, built with Maven when it is missing or older than its sources."""
    sources = [ROOT / "streams" / "pom.xml", *(ROOT / "streams" / "src" / "main").rglob("*")]
    if JAR.exists() and all(p.stat().st_mtime <= JAR.stat().st_mtime for p in sources):
        return JAR
    if shutil.which("mvn") is None:
        if os.environ.get("C360_REQUIRE_KAFKA") == "1":
            pytest.fail("Maven is needed to build streams/ (apt-get install maven)")
        pytest.skip("no Maven to build streams/")
    log = ROOT / "streams" / "target" / "build.log"  # ignored, like the jar
    log.parent.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        done = subprocess.run(
            ["mvn", "-q", "-B", "-f", str(ROOT / "streams" / "pom.xml"), "package", "-DskipTests"],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0 and JAR.exists(), log.read_text()[-3000:]
    return JAR


class StreamsApp:
    """One instance of the application: started, killed (SIGKILL) and started again on the same state directory."""

    def __init__(
        self, jar: Path, bootstrap: str, directory: Path, app_id: str, settings: dict[str, str] | None = None
    ) -> None:
        self.jar, self.bootstrap, self.directory, self.app_id = jar, bootstrap, directory, app_id
        self.settings = settings or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "streams.log"

    def start(self, timeout: float = 120.0) -> None:
        """Start it and wait until it says RUNNING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "C360_KAFKA_BOOTSTRAP": self.bootstrap,
            "C360_STREAMS_APPLICATION_ID": self.app_id,
            "C360_STREAMS_STATE_DIR": str(self.directory / "state"),
        }
        properties = self.directory / "streams.properties"
        properties.write_text("".join(f"{key}={value}\n" for key, value in self.settings.items()))
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    *die_with_parent(),
                    "java",
                    "-Xmx768m",
                    "-XX:+UseSerialGC",
                    "-jar",
                    str(self.jar),
                    str(properties),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while b"c360-streams RUNNING" not in self.log.read_bytes()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"the Streams application did not start:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean close, no last commit."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """SIGTERM (a clean close), then SIGKILL if it hangs."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(40)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            self.kill()
