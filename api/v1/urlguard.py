"""Webhook URLs reach public receivers only: no calls into the firm's own network from the server.

A URL is refused when its scheme is not http or https, or when its host is, or resolves to, any address
that is not public: loopback, private (RFC 1918, unique-local IPv6), link-local, the cloud metadata
services, carrier-grade NAT, multicast, reserved or unspecified. Every address a name resolves to must be
public, and the check runs when a subscription is made or changed and again before every delivery, so a
name that later resolves inward (DNS rebinding) is not called. ``C360_WEBHOOK_ALLOWED_HOSTS`` lists the
exceptions: host names, addresses or networks (``hooks.internal.example,10.20.0.0/16``).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[IPAddress]]

SCHEMES = frozenset({"http", "https"})
#: Instance metadata services (AWS/Azure/GCP/OpenStack, AWS over IPv6, Alibaba): credentials live there.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
SETTING = "C360_WEBHOOK_ALLOWED_HOSTS"


class RefusedURL(ValueError):
    """The URL may not be called; the message says why, in words a caller can act on."""


@dataclass(frozen=True)
class AllowList:
    """Hosts that may be called although they are not public: names, and addresses or networks."""

    names: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> AllowList:
        """From ``"name,10.0.0.0/8,127.0.0.1"`` (or a list of such entries)."""
        entries = text.split(",") if isinstance(text, str) else list(text)
        names, networks = set(), []
        for entry in (e.strip().lower().strip("[]") for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows(self, address: IPAddress) -> bool:
        return any(address in n for n in self.networks if n.version == address.version)


def problem(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        (address in METADATA, "a cloud metadata service"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((why for refused, why in checks if refused), None)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (the system resolver, as the HTTP client uses)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found}, key=str)


def addresses_of(host: str, port: int, resolver: Resolver = resolve) -> list[IPAddress]:
    """What ``resolver`` gives for ``host``; :class:`RefusedURL` when it fails or gives no address."""
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as e:
        raise RefusedURL(f"the webhook host {host} does not resolve ({e})") from e
    if not addresses:
        raise RefusedURL(f"the webhook host {host} resolves to no address")
    return addresses


def check_url(url: str, allowed: AllowList, resolver: Resolver = resolve) -> list[IPAddress]:
    """The addresses ``url`` would reach; :class:`RefusedURL` unless each is public or allowed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise RefusedURL(f"{scheme or 'a URL without a scheme'}: webhook URLs must use http or https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedURL("the webhook URL names no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as e:
        raise RefusedURL(f"the webhook URL's port is not a port number: {e}") from e
    if host in allowed.names:
        return []
    literal = True
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        literal = False
        addresses = addresses_of(host, port, resolver)
    for address in addresses:
        why = None if allowed.allows(address) else problem(address)
        if why is not None:
            shown = host if literal else f"{host} resolves to {address}, which"
            raise RefusedURL(
                f"{shown} is {why}: webhooks go to public addresses only "
                f"(an administrator may allow a host with {SETTING})"
            )
    return addresses
