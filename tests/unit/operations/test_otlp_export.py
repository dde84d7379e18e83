"""Tracing switched on by settings exports over OTLP/HTTP: a collector on loopback receives the request's spans."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app import create_app
from tests.unit.portal.portal_data import build_portal_warehouse, portal_settings


class Collector:
    """An OTLP/HTTP trace receiver: keeps each export request it is sent."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces":
                    received.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    c.thread.start()
    yield c
    c.server.shutdown()
    c.server.server_close()


def test_settings_switch_tracing_on_and_spans_reach_the_otlp_collector(
    tmp_path: Path, collector: Collector
) -> None:
    settings = portal_settings(tmp_path).model_copy(
        update={"tracing_enabled": True, "otlp_endpoint": collector.url}
    )
    app = create_app(settings, build_portal_warehouse(tmp_path / "warehouse.db"))
    assert app.server.test_client().get("/readyz").status_code == 200
    provider = app.server.extensions["c360_tracer_provider"]
    assert provider.force_flush(10_000)
    spans = [
        span
        for request in collector.requests
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {s.name for s in spans}
    assert "GET /readyz" in names and any(n.startswith("SELECT") for n in names)
    server = next(s for s in spans if s.name == "GET /readyz")
    query = next(s for s in spans if s.name.startswith("SELECT"))
    assert query.trace_id == server.trace_id and query.parent_span_id == server.span_id
    service = {
        a.key: a.value.string_value for a in collector.requests[0].resource_spans[0].resource.attributes
    }
    assert service["service.name"] == "customer360"
    provider.shutdown()


def test_tracing_is_off_by_default(tmp_path: Path) -> None:
    app = create_app(portal_settings(tmp_path), build_portal_warehouse(tmp_path / "warehouse.db"))
    assert "c360_tracer_provider" not in app.server.extensions
