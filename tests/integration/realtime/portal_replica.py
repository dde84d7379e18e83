"""One web replica of the portal with its Kafka live feed, run as its own process: ``python -m
tests.integration.realtime.portal_replica WAREHOUSE VAR_DIR PORT_FILE`` (``C360_KAFKA_BOOTSTRAP`` and
``C360_KAFKA_TOPIC_PREFIX`` from the environment); it writes its port to PORT_FILE once it serves."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from app import create_app, stop_live
from components import ids
from components import live as live_ui
from pipeline.events.broker import die_with_parent, kill_group
from tests.unit.portal.portal_data import PASSWORD, call_callback, portal_settings
from warehouse.engine import Warehouse

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]


def main(warehouse_file: str, var_dir: str, port_file: str) -> None:
    """Serve the portal on a free loopback port until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = portal_settings(Path(var_dir)).model_copy(
        update={
            "kafka_bootstrap": os.environ["C360_KAFKA_BOOTSTRAP"],
            "kafka_topic_prefix": os.environ.get("C360_KAFKA_TOPIC_PREFIX", "c360"),
            "live_demo": False,
            "cookie_secure": False,  # plain HTTP on loopback
        }
    )
    warehouse = Warehouse.from_url(f"sqlite:///{warehouse_file}")
    app = create_app(settings, warehouse, live=True)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    Path(port_file + ".tmp").write_text(str(server.server_port))
    os.replace(port_file + ".tmp", port_file)
    logger.info("portal replica serving on 127.0.0.1:%d", server.server_port)
    try:
        server.serve_forever()
    finally:
        stop_live()
        warehouse.engine.dispose()


class PortalReplica:
    """A replica process on the test's side: started, signed in over HTTP, asked for its live data, killed."""

    def __init__(self, warehouse_file: Path, directory: Path, bootstrap: str, prefix: str = "c360") -> None:
        self.warehouse_file, self.directory, self.bootstrap, self.prefix = (
            warehouse_file,
            directory,
            bootstrap,
            prefix,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "portal.log"
        self.port_file = directory / "port"
        self.http = requests.Session()
        self.base = ""

    def start(self, timeout: float = 90.0) -> PortalReplica:
        """Start the process, wait until it serves, and sign in as a manager the way a browser does."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port_file.unlink(missing_ok=True)
        env = {**os.environ, "C360_KAFKA_BOOTSTRAP": self.bootstrap, "C360_KAFKA_TOPIC_PREFIX": self.prefix}
        command = [
            sys.executable,
            "-m",
            "tests.integration.realtime.portal_replica",
            str(self.warehouse_file),
            str(self.directory / "var"),
            str(self.port_file),
        ]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [*die_with_parent(), *command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the portal replica did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        self.base = f"http://127.0.0.1:{int(self.port_file.read_text())}"
        self.sign_in("manager")
        return self

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Open the sign-in form (it sets the CSRF token), post it, then send the new token as Dash does."""
        self.http.get(f"{self.base}/login", timeout=30)
        data = {
            "username": username,
            "password": password,
            "csrf_token": self.http.cookies.get("_csrf_token", ""),
        }
        response = self.http.post(f"{self.base}/login", data=data, allow_redirects=False, timeout=30)
        assert response.status_code == 303, response.text[:500]
        self.http.headers["X-CSRFToken"] = self.http.cookies.get("_csrf_token") or ""

    def post(self, path: str, json: Any) -> requests.Response:
        """What :func:`call_callback` calls: a POST to this replica."""
        return self.http.post(f"{self.base}{path}", json=json, timeout=30)

    def live(self) -> dict[str, Any]:
        """The live store as the Overview's timer receives it."""
        response = call_callback(
            self,
            [(ids.LIVE_KPI_STORE, "data"), (live_ui.ALERTS_STORE, "data"), (live_ui.VERSION_STORE, "data")],
            [(live_ui.INTERVAL, "n_intervals", 1)],
            state=[(live_ui.VERSION_STORE, "data", None)],
        )
        assert response.status_code == 200, response.text[:500]
        return dict(response.json()["response"][ids.LIVE_KPI_STORE]["data"])

    def kill(self) -> None:
        """SIGKILL, as a crashed host would."""
        if self.process is not None:
            kill_group(self.process.pid)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it hangs."""
        if self.process is not None:
            kill_group(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
            self.kill()
        self.http.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
