"""The Models page in a real browser, on the demo warehouse of `tests.e2e.browser`: an analyst sees, for each
model in use, every candidate's figure at each of the four rolling origins, the mean, the baseline and the
chosen one, at 1440 px and on a 375 px phone; a sales rep is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from components.model_choices import choice_sentence
from tests.e2e.browser import fits_a_phone, refused, screenshot, sign_in, viewport
from tests.unit.portal.portal_data import portal_settings
from warehouse.engine import Warehouse
from warehouse.model_queries import model_choices


@pytest.mark.browser
def test_an_analyst_sees_each_candidates_figure_at_every_origin(
    dash_duo, demo_warehouse: Warehouse, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("C360_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    choices = model_choices(demo_warehouse)
    assert {c.model for c in choices} >= {"churn", "clv", "forecast", "upsell"}, (
        "the batch trained the models"
    )

    dash_duo.start_server(create_app(portal_settings(tmp_path / "var"), demo_warehouse))
    viewport(dash_duo, 1440, 900, mobile=False)
    sign_in(dash_duo, "analyst")
    dash_duo.driver.get(dash_duo.server_url + "/models")
    dash_duo.wait_for_element("#models-page .model-choice", timeout=20)
    for choice in choices:
        card = f".model-choice-{choice.model}"
        dash_duo.wait_for_contains_text(card, choice_sentence(choice), timeout=10)
        assert len(choice.cutoffs()) == (4 if choice.method == "rolling origins" else 1)
        header = [th.text for th in dash_duo.find_elements(f"{card} thead th")]
        assert header == ["Candidate", *[f"from {c}" for c in choice.cutoffs()], "Mean"]
        rows = dash_duo.find_elements(f"{card} tbody tr")
        assert len(rows) == len(choice.candidates)
        texts = [r.text for r in rows]
        assert sum("(baseline)" in t for t in texts) == 1 and sum("✓ chosen" in t for t in texts) == 1
        for row, candidate in zip(texts, choice.candidates, strict=True):
            mean = f"{candidate.mean:.1f} %" if choice.metric == "wape" else f"{candidate.mean:.3f}"
            assert row.startswith(candidate.algorithm) and row.endswith(mean), row
            assert f"{candidate.origins[0].rows:,} rows" in row
    screenshot(dash_duo, shots, "models-1440.png")
    fits_a_phone(dash_duo, shots, "models-375.png")

    refused(
        dash_duo,
        "sales_rep",
        "/models",
        "models-denied",
        "Models are open to managers, analysts and administrators.",
    )
    assert dash_duo.get_logs() == []
