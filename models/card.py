"""ModelCard: the figures one evaluation measured, beside its baseline, in a printable form.

`registry.py` will persist these later; for now the CLI prints them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

Metric = float | int | str


def _fmt(value: Metric) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.0f}"
    return str(value)


@dataclass
class ModelCard:
    """What was evaluated, on which data, how, and the resulting metrics (ours beside the baseline's)."""

    name: str
    dataset: str
    method: str
    baseline: str
    metrics: dict[str, Metric] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, **metrics: Metric) -> None:
        """Record metrics; later values overwrite earlier ones of the same name."""
        self.metrics.update(metrics)

    def summary_line(self) -> str:
        """One line of space-separated `metric=value` pairs (what scripts and CI grep for)."""
        return " ".join(f"{key}={_fmt(value)}" for key, value in self.metrics.items())

    def render(self) -> str:
        """A readable multi-line block: header, notes, then the one summary line last."""
        lines = [
            f"model card: {self.name}",
            f"  data:     {self.dataset}",
            f"  method:   {self.method}",
            f"  baseline: {self.baseline}",
        ]
        lines += [f"  - {note}" for note in self.notes]
        lines.append(self.summary_line())
        return "\n".join(lines)
