"""One webhook POST to the very address ``api.v1.urlguard`` checked: no second name lookup between check and call.

The connection goes to ``address``; the request keeps the URL's host in its ``Host`` header and, over https,
in the TLS handshake (SNI) and the certificate check, which is made against the host name, not the address.
So a name whose DNS answer changes after the check (rebinding) cannot steer the call anywhere else. Redirects
are answers, never followed; there are no retries here (the delivery log retries with backoff).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import certifi
import urllib3

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DeliveryFailed(Exception):
    """The receiver could not be reached or the exchange broke (refused, timed out, a bad certificate ...)."""


def post(
    url: str,
    address: IPAddress,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    ca_bundle: str | None = None,
) -> int:
    """POST ``body`` to ``url`` over a connection to ``address``; returns the HTTP status of the answer."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {**headers, "Host": parts.netloc.rpartition("@")[2]}  # the host (and port) as the URL names it
    limit = urllib3.Timeout(connect=timeout, read=timeout)
    pool: urllib3.HTTPConnectionPool
    if https:
        pool = urllib3.HTTPSConnectionPool(
            str(address),
            port,
            timeout=limit,
            retries=False,
            server_hostname=host,  # SNI
            assert_hostname=host,  # the certificate must name the host, whatever address served it
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_bundle or certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(str(address), port, timeout=limit, retries=False)
    try:
        with pool:
            answer = pool.urlopen("POST", path, body=body, headers=sent, redirect=False, retries=False)
            return int(answer.status)
    except (urllib3.exceptions.HTTPError, OSError) as e:
        raise DeliveryFailed(f"{type(e).__name__}: {e}") from e
