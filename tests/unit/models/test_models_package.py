"""Package face: cheap import, lazy entry points, and the one-line metric summary of a ModelCard."""

from __future__ import annotations

import subprocess
import sys

import pytest

import models
from models.card import ModelCard


def test_import_models_loads_no_heavy_library() -> None:
    code = (
        "import sys, models; "
        "heavy = {'pandas', 'xgboost', 'prophet', 'lifetimes', 'statsforecast', 'sklearn'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_entry_points_resolve_lazily() -> None:
    assert callable(models.rfm_summary) and callable(models.fit_forecast)
    assert set(models.__all__) <= set(dir(models)) | set(models._EXPORTS)
    with pytest.raises(AttributeError):
        _ = models.nothing_here


def test_model_card_ends_with_one_metric_line() -> None:
    card = ModelCard(name="churn", dataset="d", method="m", baseline="b")
    card.add(auc=0.84712, accuracy=0.8, majority_accuracy=0.735, best="vader")
    assert card.render().splitlines()[-1] == "auc=0.8471 accuracy=0.8 majority_accuracy=0.735 best=vader"
