"""A webhook delivery connects to the address its URL check approved, even when the name's DNS answer changes
right after the check; over https the receiver's certificate is still checked against the host name."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.v1.breaker import Breakers
from api.v1.urlguard import AllowList, IPAddress
from api.v1.webhooks import DeliveryPolicy, create_subscription, deliver, delivery, publish
from tests.unit.api.api_helpers import Clock
from tests.unit.portal.portal_data import build_portal_warehouse
from warehouse.engine import Warehouse

CHECKED, LATER = ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")
LOOPBACK = AllowList.parse("127.0.0.0/8")  # both receivers listen on loopback, which is refused by default


class Receiver(BaseHTTPRequestHandler):
    """Records the Host header of each POST it gets (and the TLS server name the caller asked for)."""

    seen: list[tuple[str, str | None]]
    names: list[str | None]

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((str(self.headers["Host"]), self.names[-1] if self.names else None))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def receiver(address: str, port: int, tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    seen: list[tuple[str, str | None]] = []
    names: list[str | None] = []
    if tls is not None:
        tls.sni_callback = lambda _sock, name, _ctx: names.append(name)
    server = ThreadingHTTPServer((address, port), type("Bound", (Receiver,), {"seen": seen, "names": names}))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Rebinding:
    """A resolver whose first answer is the checked address and every later one another (DNS rebinding)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls += 1
        return [CHECKED if self.calls == 1 else LATER]


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    built = build_portal_warehouse(tmp_path / "warehouse.db")
    try:
        yield built
    finally:
        built.engine.dispose()


def _one_delivery(warehouse: Warehouse, url: str) -> str:
    now = dt.datetime(2025, 3, 12, 9, 0)
    subscription = create_subscription(warehouse, url, ["lead.created"], "admin", now)["subscription_id"]
    queued = publish(warehouse, "lead.created", {"source_key": "lead-1"}, now)
    return next(d for d in queued if (delivery(warehouse, d) or {}).get("subscription_id") == subscription)


def test_a_delivery_goes_to_the_checked_address_though_the_name_now_answers_another(
    warehouse: Warehouse,
) -> None:
    with receiver(str(CHECKED), 0) as checked:
        port = checked.server_address[1]
        with receiver(str(LATER), port) as later:
            delivery_id = _one_delivery(warehouse, f"http://hooks.example:{port}/hook?v=1")
            resolver = Rebinding()
            policy = DeliveryPolicy(1, 1.0, 5.0, LOOPBACK)
            assert deliver(
                warehouse, delivery_id, Clock(), lambda _s: None, policy, Breakers(), resolver
            ) == ("delivered")
            assert resolver.calls == 1  # looked up once: for the check, and the call used that answer
            assert checked.RequestHandlerClass.seen == [(f"hooks.example:{port}", None)]  # type: ignore[attr-defined]
            assert later.RequestHandlerClass.seen == []  # type: ignore[attr-defined]
    logged = delivery(warehouse, delivery_id)
    assert logged is not None and (logged["status"], logged["last_status"]) == ("delivered", 200)


def _certificate(tmp_path: Path, host: str) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for ``host`` signed by a new CA, and that CA's file."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)

    def cert(subject: str, issuer: str, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(key, hashes.SHA256())

    root, leaf = cert("Test Root", "Test Root", True), cert(host, "Test Root", False)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(root.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    return context, tmp_path / "ca.pem"


def test_over_https_the_pinned_call_sends_the_host_name_and_checks_the_certificate_against_it(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    context, ca = _certificate(tmp_path, "hooks.example")
    with receiver(str(CHECKED), 0, context) as server:
        port = server.server_address[1]
        good = _one_delivery(warehouse, f"https://hooks.example:{port}/hook")
        impostor = _one_delivery(warehouse, f"https://other.example:{port}/hook")  # same server, other name
        policy = DeliveryPolicy(1, 1.0, 5.0, LOOPBACK, ca_bundle=str(ca))
        assert (
            deliver(warehouse, good, Clock(), lambda _s: None, policy, Breakers(), Rebinding()) == "delivered"
        )
        assert server.RequestHandlerClass.seen == [(f"hooks.example:{port}", "hooks.example")]  # type: ignore[attr-defined]
        assert (
            deliver(warehouse, impostor, Clock(), lambda _s: None, policy, Breakers(), Rebinding()) == "dead"
        )
    refused = delivery(warehouse, impostor)
    assert refused is not None  # the certificate names hooks.example, not the host this URL names
    assert refused["last_error"] == "SSLError: hostname 'other.example' doesn't match 'hooks.example'"
