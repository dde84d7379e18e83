"""Marketing campaign reports: campaigns and their daily spend and results (export mode)."""

from pipeline.connectors.campaigns.reader import read
from pipeline.connectors.campaigns.stager import stage

__all__ = ["read", "stage"]
