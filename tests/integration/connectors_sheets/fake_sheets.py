"""A local Google Sheets API v4 + OAuth token server for the google_sheet connector tests.

It answers ``spreadsheets.get`` (metadata) and ``spreadsheets.values.get`` in the documented JSON
shapes, issues bearer tokens for a service-account JWT grant, and can be told to misbehave: answer
429/503, drop the connection mid-body, or expire every token it issued.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.integration import loopback
from tests.integration.loopback import send_truncated

_RANGE = re.compile(
    r"^'?(?P<title>(?:[^']|'')+?)'?!(?:(?P<c1>[A-Z]+)?(?P<r1>\d+):(?P<c2>[A-Z]+)?(?P<r2>\d+))$"
)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class SheetsState:
    """The spreadsheet the server holds (title -> rows of strings), issued tokens, faults, request log."""

    def __init__(self, spreadsheet_id: str, title: str, rows: list[list[str]]) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.rows = rows
        self.tokens: set[str] = set()
        self.issued = 0
        self.faults: list[str] = []  # popped per API request: "429", "503", "drop", "expire"
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()


class Handler(BaseHTTPRequestHandler):
    state: SheetsState
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.state.log.append(
            (self.path, status)
        )  # before the answer: the client may look as soon as it has it
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, reason: str) -> None:
        self._send(
            status, {"error": {"code": status, "message": message, "status": reason}}, {"Retry-After": "1"}
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        if urlsplit(self.path).path != "/token" or form.get("grant_type") != [
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ]:
            self._send(400, {"error": "invalid_grant"})
            return
        if len(form.get("assertion", [""])[0].split(".")) != 3:
            self._send(400, {"error": "invalid_grant", "error_description": "bad JWT"})
            return
        with self.state.lock:
            self.state.issued += 1
            token = f"ya29.local-{self.state.issued}"
            self.state.tokens.add(token)
        self._send(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def do_GET(self) -> None:
        st = self.state
        auth = self.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in st.tokens:
            self._error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
            return
        with st.lock:
            fault = st.faults.pop(0) if st.faults else None
        if fault == "expire":  # the token expires between two requests
            st.expire_tokens()
            self._error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
            return
        if fault in ("429", "503"):
            self._error(
                int(fault),
                "Quota exceeded" if fault == "429" else "The service is currently unavailable.",
                "RESOURCE_EXHAUSTED" if fault == "429" else "UNAVAILABLE",
            )
            return
        parts = urlsplit(self.path)
        path = parts.path.removeprefix("/v4/spreadsheets/")
        sheet_id, _, rest = path.partition("/")
        if sheet_id != st.spreadsheet_id:
            self._error(404, "Requested entity was not found.", "NOT_FOUND")
            return
        if not rest:
            body = self._metadata()
        elif rest.startswith("values/"):
            body = self._values(unquote(rest.removeprefix("values/")))
            if body is None:
                self._error(400, "Unable to parse range", "INVALID_ARGUMENT")
                return
        else:
            self._error(404, "Not found", "NOT_FOUND")
            return
        if fault == "drop":  # headers and half the body, then the connection closes
            st.log.append((self.path, -1))
            send_truncated(self, 200, body)
            return
        self._send(200, body)

    def _metadata(self) -> dict[str, Any]:
        st = self.state
        width = max((len(r) for r in st.rows), default=0)
        grid = {"rowCount": len(st.rows) + 25, "columnCount": max(width, 26)}  # sheets have spare rows
        return {
            "spreadsheetId": st.spreadsheet_id,
            "properties": {"title": "Miracle sales", "locale": "en_GB", "timeZone": "Europe/London"},
            "sheets": [
                {
                    "properties": {
                        "sheetId": 0,
                        "title": st.title,
                        "index": 0,
                        "sheetType": "GRID",
                        "gridProperties": grid,
                    }
                }
            ],
        }

    def _values(self, a1: str) -> dict[str, Any] | None:
        match = _RANGE.match(a1)
        if not match or match["title"].replace("''", "'") != self.state.title:
            return None
        r1, r2 = int(match["r1"]), int(match["r2"])
        c1 = _col(match["c1"]) if match["c1"] else 0
        c2 = _col(match["c2"]) if match["c2"] else 10**6
        values = []
        for row in self.state.rows[r1 - 1 : r2]:
            cells = list(row[c1 : c2 + 1])
            while cells and cells[-1] == "":
                cells.pop()
            values.append(cells)
        while values and not values[-1]:
            values.pop()
        body: dict[str, Any] = {"range": a1, "majorDimension": "ROWS"}
        if values:
            body["values"] = values
        return body


def serve(state: SheetsState) -> contextlib.AbstractContextManager[str]:
    """Run the server on a free loopback port; the context yields its base URL."""
    return loopback.serve(Handler, state=state)
