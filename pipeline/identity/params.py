"""The trained model as data: Splink's settings JSON (m, u, prior) and its per-level parameters."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pipeline.identity.errors import MatchingError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LevelParams:
    """One comparison level: its SQL condition and what agreeing at it is worth."""

    sql: str
    label: str
    is_null: bool
    m: float | None
    u: float | None
    tf_column: str | None = None
    tf_weight: float = 1.0
    tf_minimum_u: float = 0.0

    @property
    def log2_bayes_factor(self) -> float:
        """Match weight of this level (Splink's ``log2(m / u)``; 0 for a null level)."""
        if self.is_null:
            return 0.0
        if self.m is None or self.u is None:
            raise MatchingError(f"level {self.label!r} has no trained m/u; train the model first")
        if self.u == 0:
            return math.inf
        if self.m == 0:
            return -math.inf
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class ComparisonParams:
    name: str
    levels: tuple[LevelParams, ...]


#: Key of the person model inside a saved model's JSON (a set of businesses and persons).
PERSON_MODEL: Final = "identity_person_model"


@dataclass(frozen=True)
class ModelParams:
    """A trained model: the prior, every comparison's levels, and the Splink settings it came from.

    In a set of businesses and persons this is the business model (every pair involving a business
    record) and ``person`` the model of pairs of two person records; ``None`` for a set of one kind.
    """

    prior: float
    comparisons: tuple[ComparisonParams, ...]
    splink: Mapping[str, Any]
    person: ModelParams | None = None

    @classmethod
    def from_splink(cls, settings: Mapping[str, Any], person: ModelParams | None = None) -> ModelParams:
        """Parse Splink's model JSON (``linker.misc.save_model_to_json()``)."""
        comparisons = []
        for comparison in settings["comparisons"]:
            levels = []
            for level in comparison["comparison_levels"]:
                levels.append(
                    LevelParams(
                        sql=str(level["sql_condition"]),
                        label=str(level.get("label_for_charts", level["sql_condition"])),
                        is_null=bool(level.get("is_null_level", False)),
                        m=_probability(level.get("m_probability")),
                        # Splink omits u for a level random sampling never observed, and scores it as 1e-6.
                        u=_probability(
                            level.get("u_probability", None if level.get("is_null_level") else _UNSEEN)
                        ),
                        tf_column=level.get("tf_adjustment_column"),
                        tf_weight=float(level.get("tf_adjustment_weight", 1.0)),
                        tf_minimum_u=float(level.get("tf_minimum_u_value", 0.0)),
                    )
                )
            comparisons.append(ComparisonParams(str(comparison["output_column_name"]), tuple(levels)))
        prior = float(settings["probability_two_random_records_match"])
        return cls(prior, tuple(comparisons), settings, person)

    def with_person(self, person: ModelParams | None) -> ModelParams:
        """This model with ``person`` as the model of person pairs."""
        return ModelParams(self.prior, self.comparisons, self.splink, person)

    def to_json(self) -> str:
        """Splink's settings JSON, plus the person model's under ``PERSON_MODEL`` when there is one.

        Load with ``ModelParams.from_json``; Splink reads ``.splink`` (and ``.person.splink``), not the
        file itself when it holds a person model. A business-only model's JSON is Splink's alone, as before.
        """
        saved = dict(self.splink)
        if self.person is not None:
            saved[PERSON_MODEL] = dict(self.person.splink)
        return json.dumps(saved, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelParams:
        """A model saved by ``to_json`` (with or without a person model)."""
        settings = json.loads(text)
        person = settings.pop(PERSON_MODEL, None)
        return cls.from_splink(settings, None if person is None else cls.from_splink(person))

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))


_UNSEEN: Final = "level not observed"


def _probability(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):  # Splink's "level not observed" marker scores as 1e-6
        return 1e-6
    return float(value)


def probability(weight: float) -> float:
    """Match probability of a match weight (bits), as Splink computes it."""
    if weight == math.inf:
        return 1.0
    if weight == -math.inf:
        return 0.0
    odds = float(2.0**weight)
    return odds / (1 + odds)
