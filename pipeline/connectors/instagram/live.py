"""The live Instagram connectors' public face: ``instagram_web`` (instaloader, logged out) and
``instagram_graph`` (the official Graph API), both incremental, both staged by ``stage_instagram``.
"""

from pipeline.connectors.instagram.graph import read_instagram_graph
from pipeline.connectors.instagram.live_stager import stage_instagram
from pipeline.connectors.instagram.web import read_instagram_web

__all__ = ["read_instagram_graph", "read_instagram_web", "stage_instagram"]
