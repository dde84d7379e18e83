"""Score one pair of standardised records in Python with a trained model: Splink's arithmetic, no database.

The comparison levels are read from the model's own SQL conditions (the handful of shapes our
comparisons generate: null, exact, Jaro-Winkler, (Damerau-)Levenshtein, same first or last
characters, swapped names, a column equality, else), so a single record is scored with exactly the levels and m/u values the batch used. A test
checks the probabilities equal Splink's on the batch's pairs.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jellyfish

from pipeline.identity.errors import MatchingError
from pipeline.identity.params import LevelParams, ModelParams, probability

logger = logging.getLogger(__name__)

Record = Mapping[str, Any]
Predicate = Callable[[Record, Record], bool]

_C: Final = r'"?(\w+)_l"?'  # a column on the left; the right side must name the same column
_NULL: Final = re.compile(rf'^{_C} IS NULL OR "?\1_r"? IS NULL$')
_NULL_UNLESS: Final = re.compile(rf'^{_C} IS NULL OR "?\1_r"? IS NULL OR NOT \("?(\w+)_l"? OR "?\2_r"?\)$')
_EXACT: Final = re.compile(rf'^{_C} = "?\1_r"?$')
_JW: Final = re.compile(rf'^jaro_winkler_similarity\({_C}, "?\1_r"?\) >= ([0-9.]+)$')
_LEV: Final = re.compile(rf'^levenshtein\({_C}, "?\1_r"?\) <= ([0-9]+)$')
_DL: Final = re.compile(rf'^damerau_levenshtein\({_C}, "?\1_r"?\) <= ([0-9]+)$')
_START: Final = re.compile(
    rf'^substr\({_C}, 1, ([0-9]+)\) = substr\("?\1_r"?, 1, \2\) AND length\("?\1_l"?\) >= \2 AND length\("?\1_r"?\) >= \2$'
)
_END: Final = re.compile(rf'^right\({_C}, ([0-9]+)\) = right\("?\1_r"?, \2\)$')
_SWAP: Final = re.compile(
    r'^\(jaro_winkler_similarity\("(\w+)_l", "(\w+)_r"\) >= ([0-9.]+) '
    r'OR jaro_winkler_similarity\("\2_l", "\1_r"\) >= \3\)$'
)


def _present(v: Any) -> bool:
    return v is not None and v is not False and not (isinstance(v, float) and math.isnan(v))


def _text(v: Any) -> str | None:
    return str(v) if _present(v) else None


def _jw(a: str, b: str) -> float:
    return float(jellyfish.jaro_winkler_similarity(a, b))


def predicate(sql: str) -> Predicate:
    """A Python predicate equal to one of our comparison levels' SQL condition (SQL NULL -> False)."""
    if sql.strip().upper() == "ELSE":
        return lambda a, b: True
    if m := _NULL.match(sql):
        col = m[1]
        return lambda a, b: _text(a.get(col)) is None or _text(b.get(col)) is None
    if m := _NULL_UNLESS.match(sql):
        col, flag = m[1], m[2]
        return lambda a, b: (
            _text(a.get(col)) is None
            or _text(b.get(col)) is None
            or not (bool(a.get(flag)) or bool(b.get(flag)))
        )
    if m := _EXACT.match(sql):
        col = m[1]
        return lambda a, b: (x := _text(a.get(col))) is not None and x == _text(b.get(col))
    if m := _JW.match(sql):
        col, t = m[1], float(m[2])
        return lambda a, b: _similar(_text(a.get(col)), _text(b.get(col)), t)
    if m := _LEV.match(sql):
        col, d = m[1], int(m[2])
        return lambda a, b: _near(_text(a.get(col)), _text(b.get(col)), d)
    if m := _DL.match(sql):
        col, d = m[1], int(m[2])
        return lambda a, b: _near(
            _text(a.get(col)), _text(b.get(col)), d, jellyfish.damerau_levenshtein_distance
        )
    if m := _START.match(sql):
        col, n = m[1], int(m[2])
        return lambda a, b: _ends(_text(a.get(col)), _text(b.get(col)), n, start=True)
    if m := _END.match(sql):
        col, n = m[1], int(m[2])
        return lambda a, b: _ends(_text(a.get(col)), _text(b.get(col)), n, start=False)
    if m := _SWAP.match(sql):
        c1, c2, t = m[1], m[2], float(m[3])
        return lambda a, b: (
            _similar(_text(a.get(c1)), _text(b.get(c2)), t) or _similar(_text(a.get(c2)), _text(b.get(c1)), t)
        )
    raise MatchingError(f"comparison level {sql!r} has no Python equivalent; extend scoring.predicate")


def _similar(x: str | None, y: str | None, threshold: float) -> bool:
    return x is not None and y is not None and _jw(x, y) >= threshold


def _near(
    x: str | None,
    y: str | None,
    distance: int,
    metric: Callable[[str, str], int] = jellyfish.levenshtein_distance,
) -> bool:
    return x is not None and y is not None and int(metric(x, y)) <= distance


def _ends(x: str | None, y: str | None, n: int, *, start: bool) -> bool:
    """SQL ``substr(x, 1, n) = substr(y, 1, n)`` with both at least ``n`` long, or ``right(x, n) = right(y, n)``."""
    if x is None or y is None:
        return False
    if start:
        return len(x) >= n and len(y) >= n and x[:n] == y[:n]
    return x[-n:] == y[-n:] if n > 0 else True


@dataclass(frozen=True)
class _Level:
    test: Predicate
    params: LevelParams
    weight: float
    tf_u_exact: float | None


@dataclass(frozen=True)
class Score:
    probability: float
    weight: float
    levels: tuple[tuple[str, str, float], ...]
    """Per comparison: (name, level label, match weight in bits) for the non-null levels."""


class PairScorer:
    """Scores pairs of standardised records with a trained model; ``tf`` gives term frequencies per column."""

    def __init__(self, model: ModelParams, tf: Mapping[str, Mapping[str, float]]) -> None:
        self.model = model
        self.tf = tf
        self.comparisons: list[tuple[str, list[_Level]]] = []
        for comparison in model.comparisons:
            levels = []
            for level in comparison.levels:
                u_exact = (
                    _exact_u(comparison.levels, level) if level.tf_column and not level.is_null else None
                )
                levels.append(_Level(predicate(level.sql), level, level.log2_bayes_factor, u_exact))
            self.comparisons.append((comparison.name, levels))

    def score(self, a: Record, b: Record) -> Score:
        weight = self.model.prior_weight
        detail: list[tuple[str, str, float]] = []
        for name, levels in self.comparisons:
            level = next((x for x in levels if x.test(a, b)), None)
            if level is None or level.params.is_null:
                continue
            w = level.weight + self._tf_adjustment(level, a, b)
            weight += w
            detail.append((name, level.params.label, w))
        return Score(probability(weight), weight, tuple(detail))

    def _tf_adjustment(self, level: _Level, a: Record, b: Record) -> float:
        col = level.params.tf_column
        if col is None or level.tf_u_exact is None or level.params.tf_weight == 0:
            return 0.0
        table = self.tf.get(col, {})
        known = [t for v in (a.get(col), b.get(col)) if _present(v) and (t := table.get(str(v))) is not None]
        if not known:
            return 0.0
        tf_u = max([*known, level.params.tf_minimum_u])
        return level.params.tf_weight * (math.log2(level.tf_u_exact) - math.log2(tf_u))


def _exact_u(levels: tuple[LevelParams, ...], level: LevelParams) -> float | None:
    """u of the exact-match level on the level's term-frequency column (Splink's base for the adjustment)."""
    for candidate in levels:
        m = _EXACT.match(candidate.sql)
        if m is not None and m[1] == level.tf_column:
            return candidate.u
    return level.u
