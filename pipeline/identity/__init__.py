"""Identity resolution: standardise identity fields, then match records with Splink (DuckDB).

``dedupe`` clusters the records of one frame, ``link`` matches two frames; both return a
``Resolution`` (record id -> cluster id, plus scored pairs). ``baseline_dedupe``/``baseline_link``
run the classic recordlinkage pipeline and ``splink_dedupe``/``splink_link`` a plain Splink model for
comparison; ``evaluate_records`` scores any of them against known truth.
"""

from __future__ import annotations

from pipeline.identity.baseline import BaselineSettings, baseline_dedupe, baseline_link
from pipeline.identity.engine import MatchSettings, Resolution, dedupe, link
from pipeline.identity.errors import FieldMapError, IdentityError, InputDataError, MatchingError, RegionError
from pipeline.identity.evaluate import (
    Evaluation,
    Scores,
    evaluate_demo,
    evaluate_febrl,
    evaluate_foreign,
    evaluate_records,
)
from pipeline.identity.fields import IDENTITY_FIELDS, FieldMap
from pipeline.identity.prepare import standardise_frame
from pipeline.identity.splink_baseline import SplinkBaselineSettings, splink_dedupe, splink_link

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
