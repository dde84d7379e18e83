"""A YellowPages-like business directory, from saved result pages (export mode)."""

from pipeline.connectors.directory.reader import read
from pipeline.connectors.directory.stager import stage

__all__ = ["read", "stage"]
