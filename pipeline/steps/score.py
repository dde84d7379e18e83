"""The score step: train the warehouse models when due, then score every customer and forecast sales.

Models (names in ``model_registry``), all measured on a holdout the champion is re-scored on:
    churn       calibrated xgboost on `models.features.customer_features` at cut-off = data end − 90 days;
                label: no purchase in the 90 days after. Holdout: a fixed 25% of customers (key hash).
    clv         BG/NBD + Gamma-Gamma calibrated to the same cut-off; metric: MAE of each held-out
                customer's purchases in the 90 days after.
    lead_score  calibrated xgboost on firmographic and interaction features of prospects at cut-off
                = data end − 180 days; label: first purchase within the 180 days after.
    forecast    daily revenue (mart_kpi_daily): top-3 ensemble of prophet and statsforecast models by a
                4-origin backtest; metric: WAPE on the last 90 days; 90-day forecast with 80% intervals.

Each model's algorithm is chosen among candidates (the plain baseline always one) by the mean over 4 rolling
origins inside the training data, or on the holdout when the history is too short (`pipeline.scoring.selection`).

The data end ("as of") is the last day with sales, so the same warehouse gives the same scores whatever
the clock says. Training is skipped unless `models.registry.retrain_due` (or ``force_retrain``). The inputs, problems,
training loop, forecast and score rows live in `pipeline.scoring`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import models
from models import registry
from models.registry import Decision
from pipeline import scoring
from pipeline.inputs_digest import inputs_digest
from pipeline.ops import StepResult, get_watermark, set_watermark
from pipeline.scoring import build_scores, read_inputs, train_if_due
from pipeline.scoring.problems import PROBLEMS
from warehouse.engine import insert_rows
from warehouse.schema import mart_customer_score, mart_sales_forecast
from warehouse.summaries import rebuild_action_summary

logger = logging.getLogger(__name__)


STATE = "score:inputs"  # ops_watermark entry: the digest of what the scores were computed from, and what training said
FORECAST = "score:forecast"  # the digest of what the forecast rows were computed from (a subset of the above)
#: The code the scores are computed by: a release that changes it scores again.
CODE = (Path(scoring.__file__).parent, Path(models.__file__).parent)


def default_model_dir() -> Path:
    from settings import get_settings

    return get_settings().var_dir / "models"


def score(
    conn: Connection,
    batch_id: int | None,
    now: dt.datetime,
    model_dir: Path | None = None,
    force_retrain: bool = False,
) -> StepResult:
    """Train what is due, then rebuild mart_customer_score and mart_sales_forecast."""
    model_dir = model_dir or default_model_dir()
    inputs = read_inputs(conn)
    if inputs.sales.empty:
        conn.execute(mart_customer_score.delete())
        conn.execute(mart_sales_forecast.delete())
        rebuild_action_summary(conn)
        return StepResult(message="no sales yet: nothing to train or score")
    read = inputs_digest(
        (inputs.sales, inputs.interactions, inputs.customers, inputs.revenue), (inputs.as_of,), CODE
    )  # hashed once: the champions are added before and after training
    digest, _, said = get_watermark(conn, STATE).partition(" ")  # and what training said then
    if not force_retrain and digest == _with_champions(conn, read, model_dir):
        rebuild_action_summary(conn)  # it groups by the customers' reps and regions, which may have moved
        kept = f"inputs and champions unchanged since the scores of {_scored_at(conn)}: kept"
        return StepResult(rows_in=len(inputs.sales), message=f"{said}; {kept}" if said else kept)
    training = train_if_due(conn, inputs, model_dir, now, batch_id, force_retrain)
    forecast_from = _forecast_inputs(conn, inputs)
    same_forecast = batch_id is not None and _forecast_kept(conn, forecast_from)
    scores, forecast = build_scores(conn, inputs, model_dir, now, forecast=not same_forecast)
    conn.execute(mart_customer_score.delete())
    n_scores = insert_rows(conn, mart_customer_score, scores)
    if same_forecast:  # the daily revenue and the forecast's champion are those it came from: it stands
        n_forecast = int(
            conn.execute(sa.select(sa.func.count()).select_from(mart_sales_forecast)).scalar_one()
        )
    else:
        conn.execute(mart_sales_forecast.delete())
        n_forecast = insert_rows(conn, mart_sales_forecast, forecast)
    rebuild_action_summary(conn)  # what the Actions page sums, instead of grouping every score per request
    if batch_id is not None:
        set_watermark(conn, STATE, f"{_with_champions(conn, read, model_dir)} {training.summary()}", batch_id)
        set_watermark(conn, FORECAST, forecast_from, batch_id)
    return StepResult(
        rows_in=len(inputs.sales),
        rows_out=n_scores + n_forecast,
        lineage={
            ("fact_sales_line", "mart_customer_score"): n_scores,
            ("mart_kpi_daily", "mart_sales_forecast"): n_forecast,
        },
        message=training.summary()
        + ("; forecast kept: same daily revenue and champion" if same_forecast else ""),
    )


def _with_champions(conn: Connection, read: str, model_dir: Path) -> str:
    """A digest of what the scores are computed from: what was ``read`` (``inputs_digest`` of the inputs
    and the code), the champions and their files."""
    champions = [registry.champion(conn, name) for name in PROBLEMS]
    named = [(c["model"], c["version"]) if c else None for c in champions]
    files = sorted((p.name, p.stat().st_size) for p in model_dir.glob("*") if p.is_file())
    return hashlib.sha256(repr((read, named, files)).encode()).hexdigest()


def _forecast_inputs(conn: Connection, inputs: scoring.Inputs) -> str:
    """A digest of what the forecast is computed from: the daily revenue to the data end, the forecast's
    champion (its version and its file's hash) and the code."""
    champion = registry.champion(conn, "forecast")
    named = (champion["version"], champion["file_sha256"]) if champion else None
    return inputs_digest((inputs.revenue,), (inputs.as_of, named), CODE)


def _forecast_kept(conn: Connection, forecast_from: str) -> bool:
    """Whether the forecast rows there came from the same inputs (a batch that only moved sales between
    customers, or changed none, leaves the daily revenue as it was)."""
    if get_watermark(conn, FORECAST) != forecast_from:
        return False
    return conn.execute(sa.select(mart_sales_forecast.c.day).limit(1)).first() is not None


def _scored_at(conn: Connection) -> str:
    when = conn.execute(sa.select(sa.func.max(mart_customer_score.c.scored_at))).scalar()
    return f"{when:%Y-%m-%d %H:%M}" if when else "an earlier batch"


def retrain_models(
    conn: Connection, model_dir: Path, now: dt.datetime, force: bool = False
) -> list[Decision]:
    """Outside a batch (the scheduler's retrain job): train what is due; re-score if a champion changed."""
    inputs = read_inputs(conn)
    if inputs.sales.empty:
        return []
    decisions = train_if_due(conn, inputs, model_dir, now, None, force).decisions
    if any(d.status == registry.CHAMPION for d in decisions):
        scores, forecast = build_scores(conn, inputs, model_dir, now)
        conn.execute(mart_customer_score.delete())
        conn.execute(mart_sales_forecast.delete())
        insert_rows(conn, mart_customer_score, scores)
        insert_rows(conn, mart_sales_forecast, forecast)
        rebuild_action_summary(conn)
    return decisions
