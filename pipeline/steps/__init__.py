"""The batch steps, in the order the runner runs them."""

from pipeline.steps.analytics import build_analytics
from pipeline.steps.core import build_core
from pipeline.steps.land import land
from pipeline.steps.marts import build_marts
from pipeline.steps.match import decisions_since, match
from pipeline.steps.profile import profile
from pipeline.steps.quality import check_quality
from pipeline.steps.relationships import build_relationships
from pipeline.steps.score import score
from pipeline.steps.stage import stage

__all__ = [
    "build_analytics",
    "build_core",
    "build_marts",
    "build_relationships",
    "check_quality",
    "decisions_since",
    "land",
    "match",
    "profile",
    "score",
    "stage",
]
