"""The pipeline's exceptions.

PipelineError
├── ConfigError       the sources config is missing, malformed, or a source may not run
├── SourceError       a source could not be read (the file, server or credentials failed)
└── StepError         a pipeline step failed; carries the batch and the step
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every pipeline error."""


class ConfigError(PipelineError):
    """The sources config is missing, malformed, or names a source that may not run."""


class SourceError(PipelineError):
    """A source could not be read."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source!r}: {message}")
        self.source = source


class StepError(PipelineError):
    """A pipeline step failed."""

    def __init__(self, batch_id: int, step: str, message: str) -> None:
        super().__init__(f"batch {batch_id}, step {step}: {message}")
        self.batch_id = batch_id
        self.step = step
