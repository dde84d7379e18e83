"""Files the platform wrote under its var directory (caches, exports, logs, model files) that mention a person."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from warehouse.privacy.pseudonym import replace_values

logger = logging.getLogger(__name__)

#: The warehouse's own database files: erasure rewrites them through the database, not as bytes.
DATABASE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".sqlite3")


def platform_files(var_dir: Path) -> Iterator[Path]:
    """Every file under ``var_dir`` except the warehouse database itself."""
    if not var_dir.exists():
        return
    for path in sorted(var_dir.rglob("*")):
        if path.is_file() and not path.name.endswith(DATABASE_SUFFIXES):
            yield path


def mentions(path: Path, values: Iterable[str]) -> list[str]:
    """The values (any case) the file holds, as text or as UTF-8 bytes."""
    data = path.read_bytes().lower()
    return [v for v in values if v and v.lower().encode("utf-8") in data]


def files_mentioning(var_dir: Path, values: Iterable[str]) -> dict[Path, list[str]]:
    """Each platform file under ``var_dir`` that holds any of ``values``, with the values it holds."""
    wanted = list(values)
    found = {path: mentions(path, wanted) for path in platform_files(var_dir)}
    return {path: hits for path, hits in found.items() if hits}


def scrub_files(var_dir: Path, values: Iterable[str], alias: str) -> list[str]:
    """Rewrite text files that mention ``values`` with the pseudonym; remove binary ones (caches and model
    files are rebuilt). Returns what was done, one line per file."""
    done: list[str] = []
    wanted = list(values)
    for path, _hits in files_mentioning(var_dir, wanted).items():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            path.unlink()
            done.append(f"removed {path}")
            logger.info("removed %s: a binary file holding an erased person's data", path)
            continue
        path.write_text(replace_values(text, wanted, alias), encoding="utf-8")
        done.append(f"rewrote {path}")
    return done
