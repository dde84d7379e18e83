"""The batch steps, in the order the runner runs them."""

from pipeline.steps.core import build_core
from pipeline.steps.land import land
from pipeline.steps.marts import build_marts
from pipeline.steps.match import decisions_since, match
from pipeline.steps.relationships import build_relationships
from pipeline.steps.score import score
from pipeline.steps.stage import stage

__all__ = [
    "build_core",
    "build_marts",
    "build_relationships",
    "decisions_since",
    "land",
    "match",
    "score",
    "stage",
]
