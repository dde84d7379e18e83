"""Identity resolution: standardise identity fields, then match records with Splink (DuckDB).

``dedupe`` clusters the records of one frame, ``link`` matches two frames; both return a
``Resolution`` (record id -> cluster id, plus scored pairs). ``baseline_dedupe``/``baseline_link``
run the classic recordlinkage pipeline and ``splink_dedupe``/``splink_link`` a plain Splink model for
comparison; ``evaluate_records`` scores any of them against known truth.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipeline.identity.errors import FieldMapError, IdentityError, InputDataError, MatchingError, RegionError
from pipeline.identity.fields import IDENTITY_FIELDS, FieldMap
from pipeline.identity.prepare import standardise_frame

# The engine imports Splink and DuckDB, the comparison baselines and the evaluation recordlinkage (and its
# scikit-learn); the portal needs none of them to start (it reads only the standardisation rules): they load
# on first use.
_LAZY = {
    "MatchSettings": "pipeline.identity.engine",
    "Resolution": "pipeline.identity.engine",
    "dedupe": "pipeline.identity.engine",
    "link": "pipeline.identity.engine",
    "BaselineSettings": "pipeline.identity.baseline",
    "baseline_dedupe": "pipeline.identity.baseline",
    "baseline_link": "pipeline.identity.baseline",
    "Evaluation": "pipeline.identity.evaluate",
    "Scores": "pipeline.identity.evaluate",
    "evaluate_demo": "pipeline.identity.evaluate",
    "evaluate_febrl": "pipeline.identity.evaluate",
    "evaluate_foreign": "pipeline.identity.evaluate",
    "evaluate_records": "pipeline.identity.evaluate",
    "SplinkBaselineSettings": "pipeline.identity.splink_baseline",
    "splink_dedupe": "pipeline.identity.splink_baseline",
    "splink_link": "pipeline.identity.splink_baseline",
}

if TYPE_CHECKING:
    from pipeline.identity.baseline import BaselineSettings, baseline_dedupe, baseline_link
    from pipeline.identity.engine import MatchSettings, Resolution, dedupe, link
    from pipeline.identity.evaluate import (
        Evaluation,
        Scores,
        evaluate_demo,
        evaluate_febrl,
        evaluate_foreign,
        evaluate_records,
    )
    from pipeline.identity.splink_baseline import SplinkBaselineSettings, splink_dedupe, splink_link


def __getattr__(name: str) -> Any:
    """The lazily loaded names, imported on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "IDENTITY_FIELDS",
    "BaselineSettings",
    "Evaluation",
    "FieldMap",
    "FieldMapError",
    "IdentityError",
    "InputDataError",
    "MatchSettings",
    "MatchingError",
    "Resolution",
    "RegionError",
    "Scores",
    "SplinkBaselineSettings",
    "baseline_dedupe",
    "baseline_link",
    "dedupe",
    "evaluate_demo",
    "evaluate_febrl",
    "evaluate_foreign",
    "evaluate_records",
    "link",
    "splink_dedupe",
    "splink_link",
    "standardise_frame",
]
