"""Models (``/models``): how each model in use was chosen, with every candidate's figure at every rolling origin.

Open to managers, analysts and admins (`components.access.PAGE_ROLES`).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.access import current_role, may_open
from components.context import current_portal
from components.model_choices import choice_section
from warehouse.engine import WarehouseError
from warehouse.model_queries import model_choices

logger = logging.getLogger(__name__)

PATH = "/models"
TITLE = "Models · Miracle Customer 360"
dash.register_page(__name__, path=PATH, title=TITLE, name="Models", order=5)  # type: ignore[no-untyped-call]

INTRO = (
    "Each model's algorithm is chosen from several candidates, the plain baseline always among them, by its mean "
    "figure at four cut-offs inside its training data, each trained on the data before it only. The baseline "
    "stays unless another candidate is better on that mean."
)


def layout(**_kwargs: Any) -> dbc.Container:
    if not may_open(current_role(), PATH):
        return dbc.Container(
            dbc.Alert(
                "Models are open to managers, analysts and administrators.",
                id="models-denied",
                color="warning",
            ),
            fluid=True,
        )
    try:
        choices = model_choices(current_portal().warehouse)
    except WarehouseError:
        logger.exception("models page: warehouse query failed")
        choices = []
    body: list[Any] = [html.H1("Models", className="page-title"), html.P(INTRO, className="text-muted")]
    if not choices:
        body.append(html.P("No model has been trained yet.", id="models-empty", className="text-muted"))
    body.extend(choice_section(choice) for choice in choices)
    return dbc.Container(body, fluid=True, id="models-page")
