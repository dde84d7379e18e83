"""Instagram public business profiles, their posts, and comments on our own posts (export mode)."""

from pipeline.connectors.instagram.reader import read
from pipeline.connectors.instagram.stager import stage

__all__ = ["read", "stage"]
