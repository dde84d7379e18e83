"""Stewardship items for failing quality rules: open → assigned → resolved or waived, with comments and history.

After every batch :func:`record` keeps each rule's measurement and, for a rule that fails, opens an item (or,
when one is still open for that rule, notes that it failed again). New items are announced to the data stewards
through :class:`StewardAlerts` (the log, and a webhook when configured). A resolved item whose rule fails again
is reopened; a waived one stays waived until a steward reopens it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.quality.rules import Result
from warehouse.schema import dq_issue, dq_issue_event, dq_rule_result

logger = logging.getLogger(__name__)

OPEN, ASSIGNED, RESOLVED, WAIVED = "open", "assigned", "resolved", "waived"
ACTIVE: Final = (OPEN, ASSIGNED)
SYSTEM: Final = "quality rules"
_MOVES: Final = {  # action -> (allowed from, new status)
    "assign": ((OPEN, ASSIGNED), ASSIGNED),
    "resolve": ((OPEN, ASSIGNED), RESOLVED),
    "waive": ((OPEN, ASSIGNED), WAIVED),
    "reopen": ((RESOLVED, WAIVED), OPEN),
}


class IssueError(ValueError):
    """A stewardship action that does not apply to the item as it stands."""


@dataclass
class StewardAlerts:
    """Where new items are announced: always the log; a webhook (JSON POST) when one is configured."""

    webhook: str = ""
    timeout: float = 5.0

    def announce(self, items: Sequence[dict[str, Any]]) -> None:
        for item in items:
            logger.warning(
                "data quality: %s failed (%s); item %d opened",
                item["rule"],
                item["summary"],
                item["issue_id"],
            )
        if not items or not self.webhook:
            return
        body = {"kind": "data_quality", "items": items}
        try:
            requests.post(self.webhook, json=body, timeout=self.timeout).raise_for_status()
        except requests.RequestException:
            logger.exception("data quality: the steward alert could not be sent to %s", self.webhook)


def record(
    conn: Connection, batch_id: int, results: Sequence[Result], now: dt.datetime
) -> list[dict[str, Any]]:
    """Keep the batch's measurements and open or update items; returns the items opened or reopened."""
    conn.execute(dq_rule_result.delete().where(dq_rule_result.c.batch_id == batch_id))
    conn.execute(
        dq_rule_result.insert(),
        [
            {
                "batch_id": batch_id,
                "rule": r.rule.name,
                "dataset": r.rule.dataset,
                "kind": r.rule.kind,
                "value": r.value,
                "threshold": r.rule.threshold,
                "passed": r.passed,
                "detail": r.detail[:500],
                "measured_at": now,
            }
            for r in results
        ],
    )
    announced = []
    for r in results:
        if r.passed:
            continue
        summary = _summary(r)
        latest = _latest_issue(conn, r.rule.name)
        if latest is not None and latest["status"] in ACTIVE:
            _touch(conn, latest["issue_id"], batch_id, now)
            _history(conn, latest["issue_id"], now, SYSTEM, "failed again", f"batch {batch_id}: {summary}")
        elif latest is not None and latest["status"] == WAIVED:
            _touch(conn, latest["issue_id"], batch_id, now)
        elif latest is not None and latest["status"] == RESOLVED:
            _move(conn, latest["issue_id"], OPEN, None, now, batch_id)
            _history(conn, latest["issue_id"], now, SYSTEM, "reopened", f"batch {batch_id}: {summary}")
            announced.append(_announcement(latest["issue_id"], r, summary, batch_id))
        else:
            announced.append(_announcement(_open(conn, r, summary, batch_id, now), r, summary, batch_id))
    return announced


def _announcement(issue_id: int, r: Result, summary: str, batch_id: int) -> dict[str, Any]:
    return {"issue_id": issue_id, "rule": r.rule.name, "dataset": r.rule.dataset, "status": OPEN,
            "summary": summary, "batch_id": batch_id}  # fmt: skip


def act(conn: Connection, issue_id: int, action: str, actor: str, now: dt.datetime, comment: str = "") -> str:
    """A steward's action on an item (``assign`` to themselves, ``resolve``, ``waive``, ``reopen``, ``comment``)."""
    row = conn.execute(sa.select(dq_issue).where(dq_issue.c.issue_id == issue_id)).first()
    if row is None:
        raise IssueError(f"no quality item {issue_id}")
    if action == "comment":
        if not comment.strip():
            raise IssueError("a comment needs some text")
        _history(conn, issue_id, now, actor, "comment", comment.strip()[:1000])
        return str(row.status)
    if action not in _MOVES:
        raise IssueError(f"unknown action {action!r}")
    allowed, status = _MOVES[action]
    if row.status not in allowed:
        raise IssueError(f"item {issue_id} is {row.status}; it cannot be {action}ed")
    if action in ("resolve", "waive") and not comment.strip():
        raise IssueError(f"say why the item is {status}")
    assignee = actor if action == "assign" else row.assignee
    _move(conn, issue_id, status, assignee, now)
    _history(conn, issue_id, now, actor, action, comment.strip()[:1000] or None)
    return status


def issues(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Items, active first, newest first, each with its history."""
    active = sa.case((dq_issue.c.status.in_(ACTIVE), 0), else_=1)
    rows = conn.execute(sa.select(dq_issue).order_by(active, dq_issue.c.updated_at.desc()).limit(limit))
    found = [dict(r._mapping) for r in rows]
    if not found:
        return []
    events = conn.execute(
        sa.select(dq_issue_event)
        .where(dq_issue_event.c.issue_id.in_([f["issue_id"] for f in found]))
        .order_by(dq_issue_event.c.event_id)
    )
    history: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        history.setdefault(e.issue_id, []).append(dict(e._mapping))
    return [f | {"history": history.get(f["issue_id"], [])} for f in found]


def trend(conn: Connection, batches: int = 10) -> list[dict[str, Any]]:
    """Every rule's measurements over the last ``batches`` batches, oldest first."""
    recent = (
        sa.select(dq_rule_result.c.batch_id)
        .distinct()
        .order_by(dq_rule_result.c.batch_id.desc())
        .limit(batches)
        .subquery()
    )
    query = (
        sa.select(dq_rule_result)
        .where(dq_rule_result.c.batch_id.in_(sa.select(recent.c.batch_id)))
        .order_by(dq_rule_result.c.rule, dq_rule_result.c.batch_id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def _summary(r: Result) -> str:
    comparison = "at most" if r.rule.at_most else "at least"
    value = "n/a" if r.value is None else f"{r.value:.4g}"
    return f"{r.rule.describe}: {value}, should be {comparison} {r.rule.threshold:g} ({r.detail})"[:500]


def _latest_issue(conn: Connection, rule: str) -> dict[str, Any] | None:
    query = sa.select(dq_issue).where(dq_issue.c.rule == rule).order_by(dq_issue.c.issue_id.desc()).limit(1)
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def _open(conn: Connection, r: Result, summary: str, batch_id: int, now: dt.datetime) -> int:
    result = conn.execute(
        dq_issue.insert().values(
            rule=r.rule.name,
            dataset=r.rule.dataset,
            status=OPEN,
            summary=summary,
            opened_at=now,
            opened_batch=batch_id,
            last_failed_batch=batch_id,
            updated_at=now,
        )
    )
    issue_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    _history(conn, issue_id, now, SYSTEM, "opened", json.dumps({"batch": batch_id, "detail": r.detail}))
    return issue_id


def _touch(conn: Connection, issue_id: int, batch_id: int, now: dt.datetime) -> None:
    conn.execute(
        dq_issue.update()
        .where(dq_issue.c.issue_id == issue_id)
        .values(last_failed_batch=batch_id, updated_at=now)
    )


def _move(
    conn: Connection,
    issue_id: int,
    status: str,
    assignee: str | None,
    now: dt.datetime,
    batch_id: int | None = None,
) -> None:
    values: dict[str, Any] = {"status": status, "assignee": assignee, "updated_at": now}
    if batch_id is not None:
        values["last_failed_batch"] = batch_id
    conn.execute(dq_issue.update().where(dq_issue.c.issue_id == issue_id).values(**values))


def _history(
    conn: Connection, issue_id: int, now: dt.datetime, actor: str, action: str, comment: str | None
) -> None:
    conn.execute(
        dq_issue_event.insert().values(
            issue_id=issue_id, at=now, actor=actor[:80], action=action, comment=comment
        )
    )
