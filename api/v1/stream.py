"""``GET /api/v1/stream``: Server-Sent Events of live KPIs and alerts, as much as the caller may see.

Each time the live board changes (docs/realtime.md) the stream sends ``event: snapshot`` with the
caller's view of it (:meth:`pipeline.events.live.LiveBoard.snapshot`: a sales rep their own numbers and
alerts, marketing the totals and campaign alerts ...), and a comment line every 15 s to keep proxies
from closing it. The stream ends after ``seconds``; clients reconnect (``retry`` is sent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app
from flask_smorest import Blueprint

from api.v1 import schemas
from api.v1.context import api_context, current_principal
from pipeline.events.live import LiveBoard
from pipeline.events.live import Viewer as LiveViewer
from warehouse.schema import dim_sales_rep

blp = Blueprint(
    "stream", __name__, url_prefix="/api/v1", description="Live KPIs and alerts (Server-Sent Events)"
)

BOARD_EXTENSION = "customer360.live"  # where the portal keeps its live board (components.live_callbacks)
POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 3000


def events(
    board: LiveBoard,
    viewer: LiveViewer,
    seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The SSE text of the stream: a snapshot now and after every change, heartbeats in between."""
    yield f"retry: {RETRY_MS}\n\n"
    end = clock() + seconds
    seen, beat = -1, clock()
    while True:
        if board.version != seen:
            seen = board.version
            yield f"event: snapshot\nid: {seen}\ndata: {json.dumps(board.snapshot(viewer), default=str)}\n\n"
        if clock() >= end:
            return
        if clock() - beat >= HEARTBEAT_SECONDS:
            beat = clock()
            yield ": keep-alive\n\n"
        sleep(POLL_SECONDS)


def live_viewer() -> LiveViewer:
    """The board's view of the caller: a sales rep by their rep's name."""
    principal = current_principal()
    rep = None
    if principal.role == "sales_rep" and principal.rep_key is not None:
        rep = api_context().warehouse.scalar(
            sa.select(dim_sales_rep.c.name).where(dim_sales_rep.c.rep_key == principal.rep_key)
        )
    return LiveViewer(principal.role, rep)


@blp.route("/stream", endpoint="stream", methods=["GET"])
@blp.arguments(schemas.StreamQuerySchema, location="query")
@blp.doc(
    responses={
        "200": {
            "description": "text/event-stream of `snapshot` events",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    }
)
def stream(args: dict[str, Any]) -> Response:
    """Live KPIs and alerts within the caller's scope, pushed as they change."""
    board = current_app.extensions.get(BOARD_EXTENSION) or LiveBoard()
    body = events(board, live_viewer(), args["seconds"], api_context().sleep)
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response
