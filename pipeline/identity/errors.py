"""Exceptions raised by identity resolution.

Hierarchy::

    IdentityError                 base of everything raised by pipeline.identity
    ├── FieldMapError             a field map names a column the input does not have
    │   └── RegionError           phones are mapped but no country was given to read them
    ├── InputDataError            a record breaks a rule (duplicate or missing record id, ...)
    └── MatchingError             the matching engine (Splink/DuckDB) failed; keeps the cause
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class IdentityError(Exception):
    """Base class for errors raised by identity resolution."""


class FieldMapError(IdentityError):
    """The field map does not fit the input frame."""


class RegionError(FieldMapError):
    """Phone numbers are mapped but the settings name no country for numbers without a country code."""


class InputDataError(IdentityError):
    """A record in the input breaks a rule; the message names the record, the field and the rule."""


class MatchingError(IdentityError):
    """Training or scoring failed inside the matching backend."""
