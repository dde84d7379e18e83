"""Entry point for `python -m models`."""

from __future__ import annotations

import logging
import sys

from models.cli import main

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    sys.exit(main())
