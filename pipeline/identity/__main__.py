"""Entry point for ``python -m pipeline.identity``."""

from __future__ import annotations

import logging
import sys

from pipeline.identity.cli import main

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    sys.exit(main())
