"""Entry point for `python -m models`."""

from __future__ import annotations

import logging
import os
import sys

# One BLAS thread per process, before numpy loads (see pipeline/__main__.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from models.cli import main  # noqa: E402  (after the thread limit)

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    sys.exit(main())
