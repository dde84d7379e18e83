"""``python -m pipeline``: see pipeline/cli.py."""

import os

# One BLAS thread per process, as `make` and the image set it, before numpy loads: the models' matrices are
# small, and on a busy machine OpenBLAS's waiting threads cost more than they give (the analytics step's
# curve fits: 8-10 s with one thread, 13-22 s without, 20,000 customers on two busy cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipeline.cli import main  # noqa: E402  (after the thread limit)

raise SystemExit(main())
