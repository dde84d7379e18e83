"""Forecast (``/forecast``): the revenue forecast with its intervals, and how accurate it has been.

Accuracy is 1 − WAPE of whole weeks or months in the champion forecast's rolling-origin backtest
(:mod:`warehouse.forecast_queries` says what "90 % accurate" means); open to managers, analysts and admins.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.access import current_role
from components.context import current_portal
from components.controls import section
from components.forecast import accuracy_sentence, accuracy_table, forecast_panel, may_see_forecast
from warehouse.engine import WarehouseError
from warehouse.forecast_queries import TARGET_ACCURACY, forecast_accuracy

logger = logging.getLogger(__name__)

PATH = "/forecast"
TITLE = "Forecast · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Forecast", order=4)  # type: ignore[no-untyped-call]

DEFINITION = (
    f"The {TARGET_ACCURACY * 100:.0f} % accuracy target is read at monthly level: 1 − WAPE (the absolute errors "
    "of whole calendar months of revenue over their total), forecast up to 90 days ahead, measured over the "
    "last year of the forecast's training data at four rolling cut-offs it did not see."
)


def layout(**_kwargs: Any) -> dbc.Container:
    if not may_see_forecast(current_role()):
        return dbc.Container(
            dbc.Alert(
                "The forecast is open to managers, analysts and administrators.",
                id="forecast-denied",
                color="warning",
            ),
            fluid=True,
        )
    try:
        figures = forecast_accuracy(current_portal().warehouse)
    except WarehouseError:
        logger.exception("forecast page: warehouse query failed")
        figures = []
    return dbc.Container(
        [
            html.H1("Forecast", className="page-title"),
            html.P(accuracy_sentence(figures, "month"), id="forecast-headline", className="driver-sentence"),
            forecast_panel("forecast"),
            section(
                "How accurate the forecast has been",
                [
                    accuracy_table(figures),
                    html.P(DEFINITION, className="text-muted small mb-0"),
                    html.A("How each model was chosen", href="/models", className="small"),
                ],
                class_name="forecast-accuracy",
            ),
        ],
        fluid=True,
    )
