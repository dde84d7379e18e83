"""A digest of what a step computes from: its input frames, a few values, and the code that computes.

A step that keeps its digest (a watermark) can tell that computing again would give what it already
wrote, and skip the work. The code counts: a release that changes how a step computes computes again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd


def inputs_digest(
    frames: Iterable[pd.DataFrame | pd.Series], values: Iterable[object], code: Iterable[Path]
) -> str:
    """SHA-256 over ``frames`` (column names and every row, in any order), ``values`` (as text) and the
    Python files in the folders ``code``."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(repr(list(frame.columns) if isinstance(frame, pd.DataFrame) else frame.name).encode())
        rows = pd.util.hash_pandas_object(frame, index=isinstance(frame, pd.Series)).to_numpy()
        digest.update(np.sort(rows).tobytes())  # the rows, in whatever order the database returned them
    for value in values:
        digest.update(f"{value!r}|".encode())
    for folder in code:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
