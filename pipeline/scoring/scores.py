"""Rows of mart_customer_score (every golden customer) and mart_sales_forecast, from the champions."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from models import registry
from models.features import customer_features, prospect_features
from pipeline.scoring.clv import clv_models
from pipeline.scoring.forecast import forecast_rows
from pipeline.scoring.inputs import Inputs
from pipeline.scoring.problems import PROBLEMS

logger = logging.getLogger(__name__)

OPEN_COMPLAINT_DAYS = 30  # a complaint this recent counts as open (the warehouse has no resolution date)


def build_scores(
    conn: Connection, inputs: Inputs, model_dir: Path, now: dt.datetime, forecast: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of mart_customer_score (every golden customer) and mart_sales_forecast (none unless ``forecast``),
    from the champions."""
    from models.clv import customer_lifetime_value, rfm_summary
    from models.descriptive import rfm_scores
    from models.nba import next_best_actions

    as_of = inputs.as_of
    champions = {name: registry.champion(conn, name) for name in PROBLEMS}
    fitted: dict[str, Any] = {}
    for name, row in list(champions.items()):
        if row is not None and registry.outlived(row, as_of.date()):
            logger.warning(
                "%s v%s not scored: it learned from data to %s, and the warehouse's data now end %s",
                name, row["version"], row["train_end"], as_of.date(),
            )  # fmt: skip
            champions[name] = None
            continue
        try:
            if row is not None:
                fitted[name] = registry.load_fitted(model_dir, row)
        except FileNotFoundError as e:
            logger.warning("%s v%s not scored: %s", name, row and row["version"], e)
            champions[name] = None
    frame = inputs.customers.set_index("customer_id").sort_index()[["is_customer"]].astype(bool)
    for column in _SCORE_COLUMNS:
        frame[column] = np.nan
    x = customer_features(inputs.sales, inputs.interactions, inputs.customers, as_of)
    if "churn" in fitted:
        frame["churn_probability"] = fitted["churn"].predict_proba(x)
        frame["recency_days"] = x["recency_days"]
    if "clv" in fitted:
        purchases, spend = clv_models(fitted["clv"], x)
        summary = rfm_summary(inputs.sales, as_of)
        frame["clv_12m"] = customer_lifetime_value(summary, purchases, spend, months=12).round(2)
        frame["expected_orders_12m"] = purchases.predict(summary, 365.25 / 7.0)
    if "lead_score" in fitted:
        prospects = pd.Index(frame.index[~frame["is_customer"]], name="customer_id")
        x = prospect_features(inputs.customers, inputs.interactions, prospects, as_of)
        if len(x):
            frame["lead_score"] = fitted["lead_score"].predict_proba(x)
    frame["upsell_category"] = None
    frame["upsell_product"] = None
    if "upsell" in fitted:
        frame = _with_upsell(frame, inputs, fitted["upsell"])
    actions = _actions(frame, inputs, rfm_scores, next_best_actions)
    versions = ",".join(f"{n}:{r['version']}" for n, r in champions.items() if r is not None)
    table = frame.assign(action=actions["action"], action_value=actions["expected_value"])
    scores = [
        {
            "customer_key": int(row["customer_id"]),
            "churn_probability": _num(row["churn_probability"]),
            "clv_12m": _num(row["clv_12m"]),
            "expected_orders_12m": _num(row["expected_orders_12m"]),
            "lead_score": _num(row["lead_score"]),
            "upsell_propensity": _num(row["upsell_propensity"]),
            "upsell_category": row["upsell_category"],
            "upsell_product": row["upsell_product"],
            "next_best_action": row["action"],
            "action_value": round(float(row["action_value"]), 2),
            "scored_at": now,
            "model_versions": versions[:200],
        }
        for row in table.reset_index().to_dict("records")
    ]
    if not forecast:
        return scores, []
    return scores, forecast_rows(inputs.revenue, fitted.get("forecast"), champions.get("forecast"))


_SCORE_COLUMNS = (
    "churn_probability", "recency_days", "clv_12m", "expected_orders_12m", "lead_score", "upsell_propensity",
)  # fmt: skip


def _with_upsell(frame: pd.DataFrame, inputs: Inputs, model: Any) -> pd.DataFrame:
    """The best new category per customer at the data end, its propensity and the product to lead with."""
    from models.upsell import best_offer, best_sellers, candidate_pairs

    x = candidate_pairs(inputs.sales, inputs.customers, inputs.as_of)
    if x.empty:
        return frame
    offer = best_offer(model.predict_proba(x)).reindex(frame.index)
    leads = best_sellers(inputs.sales, inputs.customers)
    segment = inputs.customers.set_index("customer_id")["segment"].reindex(frame.index).fillna("Unassigned")
    out = frame.assign(upsell_propensity=offer["upsell_propensity"])
    out["upsell_category"] = [c if isinstance(c, str) else None for c in offer["upsell_category"]]
    out["upsell_product"] = [
        leads.get((str(s), c)) if c is not None else None
        for s, c in zip(segment, out["upsell_category"], strict=True)
    ]
    return out


def _actions(frame: pd.DataFrame, inputs: Inputs, rfm_scores: Any, next_best_actions: Any) -> pd.DataFrame:
    """models.nba's next best action per customer; customers without model scores get none."""
    table = pd.DataFrame(index=frame.index)
    scored = frame["churn_probability"].notna() & frame["clv_12m"].notna()
    table["is_customer"] = frame["is_customer"] & scored
    table["churn_probability"] = frame["churn_probability"]
    table["clv"] = frame["clv_12m"]
    table["recency_days"] = frame["recency_days"]
    table["lead_conversion_probability"] = frame["lead_score"]
    table["upsell_propensity"] = frame["upsell_propensity"].fillna(0.0)
    recent = inputs.as_of - pd.Timedelta(days=OPEN_COMPLAINT_DAYS)
    complaints = inputs.interactions[
        (inputs.interactions["kind"] == "complaint")
        & inputs.interactions["date"].between(recent, inputs.as_of)
    ]
    table["open_complaint"] = table.index.isin(set(complaints["customer_id"]))
    rfm = rfm_scores(inputs.sales, inputs.as_of, order_col=None)
    table["segment"] = rfm["segment"].reindex(table.index)
    table = table[table["is_customer"] | ~frame["is_customer"]]  # customers without scores: no action
    actions: pd.DataFrame = next_best_actions(table).reindex(frame.index)
    actions["expected_value"] = actions["expected_value"].fillna(0.0)
    actions["action"] = [a if isinstance(a, str) else None for a in actions["action"]]
    return actions


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
