"""Next best actions for the portal: pure builders from ``warehouse.action_queries`` rows to tables, cards
and sentences a sales rep acts on.

Each action is recommended by ``models.nba`` (rules gate who may get it, expected value ranks it); the
reason shown beside it is the model output that earned it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.dash_table.DataTable import DataTable

from components import format as fmt
from components import ids
from components.controls import NUMBER, PERCENT_FORMAT, TEXT, compact_table, money_format
from components.customers_table import profile_link

ACTION_LABELS: dict[str, str] = {
    "retention_call": "Retention call",
    "upsell_offer": "Upsell offer",
    "re_engagement": "Re-engagement",
    "thank_you": "Thank-you note",
    "nurture_lead": "Nurture lead",
}
NO_SCORES = "No scores yet — run the pipeline to score customers."
NOT_SCORED = "Not scored yet — scores appear after the next pipeline run."
CSV_COLUMNS = (
    "customer_key", "name", "city", "region", "segment", "rfm_segment", "m_score", "rep", "next_best_action",
    "action_value", "reason",
    "churn_probability", "clv_12m", "expected_orders_12m", "lead_score", "upsell_propensity",
    "upsell_category", "upsell_product", "recency_days", "last_purchase", "scored_at",
)  # fmt: skip


def action_label(action: str | None) -> str:
    return ACTION_LABELS.get(action or "", action or "No action")


def reason(row: Mapping[str, Any]) -> str:
    """Why this action, in the rep's words, from the scores that earned it."""
    action = row.get("next_best_action")
    clv = fmt.money(float(row.get("clv_12m") or 0))
    if action == "retention_call":
        return (
            f"Churn risk {fmt.percent(row.get('churn_probability'))} on {clv} of expected spend in 12 months"
        )
    if action == "upsell_offer":
        category = row.get("upsell_category")
        if not category:
            return f"Engaged customer, {clv} expected in 12 months: offer a complementary range"
        lead = f"; lead with {row['upsell_product']}" if row.get("upsell_product") else ""
        return f"{fmt.percent(row.get('upsell_propensity'))} likely to start buying {category}{lead}"
    if action == "re_engagement":
        days = row.get("recency_days")
        since = f"No order for {days} days" if days is not None else "No recent order"
        return f"{since}; worth {clv} in 12 months if won back"
    if action == "thank_you":
        return f"{row.get('rfm_segment') or 'Top'} customer, {clv} expected in 12 months"
    if action == "nurture_lead":
        if row.get("lead_score") is None:
            return "Prospect without a lead score yet: nurture towards a first order"
        return f"Lead score {fmt.percent(row.get('lead_score'))}: chance to become a customer within 6 months"
    return ""


def table_columns(with_rep: bool) -> list[DataTable.Columns]:
    """Columns of the actions table; the rep column only when the table spans several reps."""
    columns: list[DataTable.Columns] = [
        {"id": "name", "name": "Customer", "presentation": "markdown"},
        {"id": "action", "name": "Action"},
        {"id": "reason", "name": "Why"},
        {"id": "action_value", "name": "Expected value", "type": "numeric", "format": money_format()},
        {"id": "churn_probability", "name": "Churn risk", "type": "numeric", "format": PERCENT_FORMAT},
        {"id": "clv_12m", "name": "12-month value", "type": "numeric", "format": money_format()},
    ]
    if with_rep:
        columns.append({"id": "rep", "name": "Sales rep"})
    return columns


def table_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows of the actions table."""
    return [
        {
            "id": r["customer_key"],
            "name": profile_link(str(r.get("name") or ""), r["customer_key"]),
            "action": action_label(r.get("next_best_action")),
            "reason": reason(r),
            "action_value": r.get("action_value"),
            "churn_probability": r.get("churn_probability"),
            "clv_12m": r.get("clv_12m"),
            "rep": r.get("rep") or "Unassigned",
        }
        for r in rows
    ]


def action_list(rows: Sequence[Mapping[str, Any]], page: int = 0, pages: int = 1) -> html.Div | html.P:
    """The same actions as the table, as a list a phone shows without sideways scrolling."""
    if not rows:
        return html.P("No actions to show.", className="text-muted mb-0")
    items = dbc.ListGroup(
        [
            dbc.ListGroupItem(
                [
                    html.Div(
                        [
                            html.A(str(r.get("name") or ""), href=f"/customer/{r['customer_key']}"),
                            html.Span(fmt.money(float(r.get("action_value") or 0)), className="action-value"),
                        ],
                        className="d-flex justify-content-between gap-2",
                    ),
                    html.Div(action_label(r.get("next_best_action")), className="fw-semibold small"),
                    html.Div(reason(r), className="action-reason"),
                ]
            )
            for r in rows
        ],
        flush=True,
        className="action-list",
    )
    return html.Div([items, html.Div(f"Page {page + 1} of {pages}", className="small text-muted mt-1")])


def csv_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the CSV export: the query's columns plus the reason, dates as ISO text."""
    out = []
    for r in rows:
        item = {c: r.get(c) for c in CSV_COLUMNS} | {"reason": reason(r)}
        for key, value in item.items():
            if isinstance(value, dt.date):
                item[key] = value.isoformat()
        out.append(item)
    return out


def summary_cards(rows: Sequence[Mapping[str, Any]]) -> dbc.Row | html.P:
    """One card per action: how many customers it is for and the expected value of doing them all."""
    if not rows:
        return html.P(NO_SCORES, className="text-muted mb-0")
    cards = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(action_label(r["action"]), className="kpi-label"),
                        html.Div(fmt.count(int(r["customers"])), className="kpi-value"),
                        html.Div(
                            f"{fmt.money(float(r['value'] or 0))} expected", className="small text-muted"
                        ),
                    ]
                ),
                className="kpi-card h-100",
                id=f"actions-summary-{r['action']}",
            ),
            xs=6,
            md=4,
            xl=2,
        )
        for r in rows
    ]
    return dbc.Row(cards, className="g-2")


def prospects_table(rows: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Prospects ranked by lead score, with where they are and who owns them."""
    head = [("Prospect", TEXT), ("Lead score", NUMBER), ("Town", TEXT), ("Sales rep", TEXT)]
    body = [
        [
            html.A(str(r.get("name") or ""), href=f"/customer/{r['customer_key']}"),
            fmt.percent(r.get("lead_score")),
            r.get("city") or "",
            r.get("rep") or "Unassigned",
        ]
        for r in rows
    ]
    return compact_table(head, body, table_id, "No prospects.")


def outlook_card(score: Mapping[str, Any] | None) -> dbc.Card:
    """The Customer 360's outlook: next best action and why, churn risk, 12-month value, upsell, lead score."""
    if score is None:
        body: Any = html.P(NOT_SCORED, className="text-muted mb-0")
    else:
        facts: list[tuple[str, str]] = []
        if score.get("is_customer"):
            facts += [
                ("Churn risk", fmt.percent(score.get("churn_probability"))),
                ("Expected spend, 12 months", fmt.money(float(score.get("clv_12m") or 0))),
                ("Expected orders, 12 months", f"{float(score.get('expected_orders_12m') or 0):.1f}"),
            ]
            if score.get("upsell_category"):
                product = f" · {score['upsell_product']}" if score.get("upsell_product") else ""
                facts.append(
                    (
                        "Best new category",
                        f"{score['upsell_category']}{product} ({fmt.percent(score.get('upsell_propensity'))})",
                    )
                )
        else:
            facts.append(("Lead score", fmt.percent(score.get("lead_score"))))
        action = score.get("next_best_action")
        headline = (
            [
                html.Div(action_label(action), className="outlook-action fw-semibold"),
                html.Div(
                    f"{reason(score)} · expected value {fmt.money(float(score.get('action_value') or 0))}",
                    className="small",
                ),
            ]
            if action
            else [html.Div("No action recommended now.", className="outlook-action")]
        )
        scored = score.get("scored_at")
        when = scored.strftime("%d %b %Y %H:%M") if isinstance(scored, dt.datetime) else str(scored or "")
        body = [
            html.Div(headline, className="mb-2"),
            dbc.Table(
                html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts]),
                size="sm",
                className="mb-1",
            ),
            html.Div(
                f"Scored {when} · models {score.get('model_versions') or '—'}", className="small text-muted"
            ),
        ]
    return dbc.Card(
        [dbc.CardHeader("Outlook and next best action"), dbc.CardBody(body)],
        className="mb-3",
        id=ids.CUSTOMER_OUTLOOK,
    )


STAGE_LABELS = {
    "new": "New", "contacted": "Contacted", "qualified": "Qualified", "proposal": "Proposal",
    "won": "Won", "lost": "Lost",
}  # fmt: skip


def _closed(stages: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """(won, won + lost) leads."""
    won = sum(int(r["leads"]) for r in stages if r["stage"] == "won")
    return won, won + sum(int(r["leads"]) for r in stages if r["stage"] == "lost")


def win_rate(stages: Sequence[Mapping[str, Any]]) -> float | None:
    """Won / (won + lost): the share of closed leads that became customers; None before any closed."""
    won, closed = _closed(stages)
    return won / closed if closed else None


def funnel_summary(stages: Sequence[Mapping[str, Any]]) -> str:
    """``212 open leads worth £1,346,400; 911 of 1,080 closed leads won (84%).``"""
    if not stages:
        return "No leads yet."
    open_stages = [r for r in stages if r["stage"] not in ("won", "lost")]
    leads = sum(int(r["leads"]) for r in open_stages)
    value = sum(float(r["value"] or 0) for r in open_stages)
    won, closed = _closed(stages)
    closing = (
        f"{fmt.count(won)} of {fmt.count(closed)} closed leads won ({fmt.percent(won / closed)})"
        if closed
        else "none closed yet"
    )
    return f"{fmt.count(leads)} open leads worth {fmt.money(value)}; {closing}."


def funnel_table(stages: Sequence[Mapping[str, Any]], table_id: str) -> html.Div:
    """Leads and value per stage, in stage order."""
    body = [
        [
            STAGE_LABELS.get(str(r["stage"]), str(r["stage"]).capitalize()),
            fmt.count(int(r["leads"])),
            fmt.money(float(r["value"] or 0)),
        ]
        for r in stages
    ]
    return compact_table(
        [("Stage", TEXT), ("Leads", NUMBER), ("Value", NUMBER)], body, table_id, "No leads yet."
    )
