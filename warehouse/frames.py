"""Query results as polars frames, for transforms that are easier in frames than in SQL."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def read_frame(conn: Connection, statement: sa.Select[Any]) -> pl.DataFrame:
    """Run ``statement`` and return its rows as a frame (with its columns even when empty)."""
    result = conn.execute(statement)
    columns = list(result.keys())
    rows = result.all()
    if not rows:
        return pl.DataFrame(schema={c: pl.Null for c in columns})
    return pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None)
