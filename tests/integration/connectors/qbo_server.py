"""A local QuickBooks Online: the demo company over the Accounting API v3 JSON, OAuth2 and Fault bodies.

It speaks the service's dialect as recorded (tests/data/quickbooks/SOURCES.md): times with the Pacific
offset (``2020-04-22T13:41:14.023-07:00``), an empty page as ``{"QueryResponse": {}, "time": ...}``, the
gateway's 401 in the lower-case envelope with epoch milliseconds and null members, other faults in the
documented ``Fault``/``Error`` spelling. ``recorded`` replaces query pages with recorded bodies, unchanged.

Serves ``/v3/company/<realm>/query`` (GET ``?query=`` or POST body, ``select * from <Entity> STARTPOSITION n
MAXRESULTS m``), ``/v3/company/<realm>/cdc?entities=...&changedSince=...`` (changed objects and
``status: Deleted`` tombstones), Intuit's OpenID discovery document and token endpoint (refresh tokens
rotate). A bad or expired bearer token gets HTTP 401 with an AuthenticationFault; a bad query a
ValidationFault. Faults on demand through ``server.inject`` (see ``servers.py``).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from tests.integration.connectors.servers import LocalServer, Reply, Request

REALM = "9130350000000001"
CLIENT_ID, CLIENT_SECRET = "test-client-id", "test-client-secret"
ENTITIES = (
    "Customer",
    "Item",
    "Invoice",
    "SalesReceipt",
    "Payment",
    "PaymentMethod",
    "Estimate",
    "CreditMemo",
)
_QUERY = re.compile(r"^select \* from (\w+) STARTPOSITION (\d+) MAXRESULTS (\d+)$", re.IGNORECASE)


PACIFIC = dt.timezone(dt.timedelta(hours=-7), "PDT")
DATA = Path(__file__).resolve().parents[2] / "data" / "quickbooks"


def _now() -> str:
    """The server's clock as QuickBooks writes it: Pacific time, milliseconds, ``-07:00``."""
    return dt.datetime.now(PACIFIC).isoformat(timespec="milliseconds")


def gateway_401(detail: str = "Token expired or invalid") -> str:
    """The OAuth2 gateway's 401 as recorded: lower-case keys, null members, epoch milliseconds."""
    body = json.loads((DATA / "fault-401-lowercase.json").read_text("utf-8"))
    body["fault"]["error"][0]["detail"] = detail
    body["time"] = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    return json.dumps(body, separators=(",", ":"))


def load_company(export_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The demo company from its QuickBooks export pages, plus a few estimates and credit memos."""
    company: dict[str, list[dict[str, Any]]] = {e: [] for e in ENTITIES}
    for entity in ENTITIES:
        for page in sorted((export_dir / entity).glob("page-*.json")):
            company[entity].extend(json.loads(page.read_text("utf-8"))["QueryResponse"].get(entity, []))
    for kind in ("Estimate", "CreditMemo"):
        for n, invoice in enumerate(company["Invoice"][:6], start=1):
            doc = copy.deepcopy(invoice)
            doc["Id"], doc["DocNumber"] = str(n), f"{kind[:2].upper()}{n:04d}"
            company[kind].append(doc)
    return company


def fault(kind: str, code: str, message: str, detail: str) -> str:
    error = {"Message": message, "Detail": detail, "code": code}
    return json.dumps({"Fault": {"Error": [error], "type": kind}, "time": _now()})


def throttled(retry_after: str | None = None) -> Reply:
    """QuickBooks' answer over its per-realm limit: HTTP 429 with a ThrottlingFault."""
    body = fault("ThrottlingFault", "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                 "The request limit was reached.")  # fmt: skip
    headers = {"Content-Type": "application/json", **({"Retry-After": retry_after} if retry_after else {})}
    return Reply(429, body, headers)


class QboServer(LocalServer):
    """The company's data, its tokens and its change log; tests edit it through ``change`` and ``delete``."""

    def __init__(
        self, company: dict[str, list[dict[str, Any]]], recorded: dict[tuple[str, int], str] | None = None
    ) -> None:
        super().__init__(self.route)
        self.recorded = recorded  # (entity, STARTPOSITION) -> a recorded page body; other pages empty
        self.company = {e: {str(o["Id"]): o for o in objs} for e, objs in company.items()}
        self.tombstones: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in ENTITIES}
        self.refresh_token = "rt-0"
        self.access_tokens: set[str] = set()
        self._serial = itertools.count(1)

    # --- what tests do to the company ---------------------------------------------------------------
    def count(self, entity: str) -> int:
        return len(self.company[entity])

    def change(self, entity: str, key: str, **fields: Any) -> None:
        obj = self.company[entity][key]
        obj.update(fields)
        obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
        obj["MetaData"] = {**obj.get("MetaData", {}), "LastUpdatedTime": _now()}

    def delete(self, entity: str, key: str) -> None:
        del self.company[entity][key]
        stamp = {"LastUpdatedTime": _now()}
        self.tombstones[entity][key] = {"domain": "QBO", "status": "Deleted", "Id": key, "MetaData": stamp}

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    # --- HTTP ---------------------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:
        path = urlsplit(request.path).path
        if path == "/.well-known/openid_configuration":
            return self._json(self._discovery())
        if path == "/oauth2/v1/tokens/bearer":
            return self._token(request)
        prefix = f"/v3/company/{REALM}/"
        if not path.startswith(prefix):
            return Reply(404, "not found")
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.access_tokens:
            return Reply(401, gateway_401(), {"Content-Type": "application/json"})
        endpoint = path.removeprefix(prefix)
        if endpoint == "query":
            return self._query(request)
        if endpoint == "cdc":
            return self._cdc(request)
        return Reply(404, fault("ValidationFault", "610", "Object Not Found", endpoint))

    def _discovery(self) -> dict[str, str]:
        return {
            "issuer": "https://oauth.platform.intuit.com/op/v1",
            "authorization_endpoint": f"{self.url}/connect/oauth2",
            "token_endpoint": f"{self.url}/oauth2/v1/tokens/bearer",
            "userinfo_endpoint": f"{self.url}/v1/openid_connect/userinfo",
            "revocation_endpoint": f"{self.url}/oauth2/v1/tokens/revoke",
            "jwks_uri": f"{self.url}/oauth2/v1/keys",
        }

    def _token(self, request: Request) -> Reply:
        form = parse_qs(request.body.decode("utf-8"))
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return self._json({"error": "invalid_client"}, 401)
        if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [self.refresh_token]:
            return self._json({"error": "invalid_grant"}, 400)
        n = next(self._serial)
        self.refresh_token, access = f"rt-{n}", f"at-{n}"
        self.access_tokens.add(access)
        return self._json({"access_token": access, "refresh_token": self.refresh_token, "token_type": "bearer",
                           "expires_in": 3600, "x_refresh_token_expires_in": 8726400})  # fmt: skip

    def _query(self, request: Request) -> Reply:
        query = parse_qs(urlsplit(request.path).query).get("query", [""])[0] or request.body.decode("utf-8")
        match = _QUERY.match(unquote_plus(query).strip())
        if not match or (self.recorded is None and match.group(1) not in self.company):
            body = fault("ValidationFault", "4000", "message=Error parsing query; errorCode=004000",
                         f"QueryParserError: {query[:80]}")  # fmt: skip
            return Reply(400, body, {"Content-Type": "application/json"})
        entity, start, size = match.group(1), int(match.group(2)), int(match.group(3))
        if self.recorded is not None:
            empty = (DATA / "empty-page.json").read_text("utf-8")
            return Reply(200, self.recorded.get((entity, start), empty), {"Content-Type": "application/json"})
        objects = sorted(self.company[entity].values(), key=lambda o: int(o["Id"]))[
            start - 1 : start - 1 + size
        ]
        page: dict[str, Any] = {}  # past the last object QuickBooks sends an empty QueryResponse
        if objects:
            page = {entity: objects, "startPosition": start, "maxResults": len(objects)}
        return self._json({"QueryResponse": page, "time": _now()})

    def _cdc(self, request: Request) -> Reply:
        params = parse_qs(urlsplit(request.path).query)
        since = dt.datetime.fromisoformat(params["changedSince"][0])
        responses = []
        for entity in params["entities"][0].split(","):
            changed = [
                o for o in [*self.company[entity].values(), *self.tombstones[entity].values()]
                if dt.datetime.fromisoformat(o["MetaData"]["LastUpdatedTime"]) >= since
            ]  # fmt: skip
            # an entity without changes is answered without its key, as the service does
            responses.append(
                {**({entity: changed} if changed else {}), "startPosition": 1, "maxResults": len(changed)}
            )
        return self._json({"CDCResponse": [{"QueryResponse": responses}], "time": _now()})

    @staticmethod
    def _json(body: Any, status: int = 200) -> Reply:
        return Reply(status, json.dumps(body), {"Content-Type": "application/json"})
