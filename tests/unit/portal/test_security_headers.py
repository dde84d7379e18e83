"""Security headers on every kind of answer, HSTS only over HTTPS, and no version banner in ``Server``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from dash import Dash
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from auth import QuietRequestHandler
from pipeline.events.broker import stop_group
from settings import ROOT
from tests.unit.portal.portal_data import build_served_warehouse, sign_in
from tests.unit.portal.security_helpers import Clock, security_app
from tests.unit.portal.test_portal_auth import overview_callback

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture
def app(tmp_path: Path) -> Dash:
    return security_app(tmp_path, Clock(), proxy_count=1)


def assert_secured(headers: object, what: str) -> None:
    csp = headers.get("Content-Security-Policy", "")  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp, what
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], what
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{what}: {name}"  # type: ignore[attr-defined]


def test_every_kind_of_answer_carries_the_security_headers(app: Dash) -> None:
    client: FlaskClient = app.server.test_client()
    index = client.get("/login").data.decode()
    bundle = re.findall(r'src="(/_dash-component-suites/[^"]+)"', index)[0]
    answers: dict[str, Callable[[], object]] = {
        "sign-in page": lambda: client.get("/login"),
        "redirect": lambda: client.get("/customers"),
        "static file": lambda: client.get("/assets/app.css"),
        "Dash component bundle": lambda: client.get(bundle),
        "API": lambda: client.get("/api/health"),
        "API 404": lambda: client.get("/api/nothing-here"),
        "405": lambda: client.post("/assets/app.css"),
        "refused form (403)": lambda: client.post("/login", data={"username": "x"}),
        "Dash layout JSON": lambda: client.get("/_dash-layout"),
        "callback refused (401)": lambda: overview_callback(client),
    }
    for what, answer in answers.items():
        response = answer()
        assert response.status_code < 500, what  # type: ignore[attr-defined]
        assert_secured(response.headers, what)  # type: ignore[attr-defined]
    assert sign_in(client, "manager").status_code == 303
    callback = overview_callback(client)
    assert callback.status_code == 200
    assert_secured(callback.headers, "Dash callback JSON")
    assert "Strict-Transport-Security" not in callback.headers  # plain HTTP: no HSTS


def test_hsts_only_over_https(app: Dash) -> None:
    client = app.server.test_client()
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_dev_server_names_no_versions(app: Dash) -> None:
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/api/health", timeout=10
        ) as response:
            assert response.headers.get_all("Server") == ["Customer360"]
    finally:
        server.shutdown()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_names_no_versions(tmp_path: Path) -> None:
    build_served_warehouse(tmp_path / "warehouse.db")
    port = free_port()
    env = os.environ | {
        "C360_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}",
        "C360_VAR_DIR": str(tmp_path),
        "C360_SECRET_KEY": "gunicorn-test-secret",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "app:create_server()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
                    servers = response.headers.get_all("Server")
                    secured = response.headers
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.3)
        assert servers == ["gunicorn"]  # its name, no version
        assert_secured(secured, "gunicorn")
    finally:
        stop_group(process, grace=15)
        log.close()
