"""Read a QuickBooks Online export: ``<Entity>/page-00001.json`` query responses, object by object.

Each object is yielded as QuickBooks sent it, keyed by its ``Id``. An object without an ``Id`` is keyed
``nokey:<Entity>/page-NNNNN.json#<position>``; a page that is not JSON is yielded whole under
``nokey:<Entity>/page-NNNNN.json`` so its stager rejects it and nothing is lost.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any, Final

from pipeline.connectors.common import unparsed
from pipeline.connectors.files import source_path
from pipeline.records import RawRecord, SourceConfig

logger = logging.getLogger(__name__)

ENTITIES: Final = ("Customer", "Item", "Invoice", "SalesReceipt", "Payment")
_PAGE: Final = re.compile(r"^page-(\d+)\.json$")


def read(config: SourceConfig) -> Iterator[RawRecord]:
    """Every object of every entity page under the source path, in page order."""
    root = source_path(config)
    entities = config.options.get("entities", ENTITIES)
    for entity in entities:
        folder = root / str(entity)
        if not folder.is_dir():
            logger.warning("%s: no %s pages under %s", config.name, entity, folder)
            continue
        pages = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _PAGE.match(p.name)))
        for _, page in pages:
            rel = f"{entity}/{page.name}"
            text = page.read_text(encoding="utf-8", errors="replace")
            try:
                body = json.loads(text)
                objects = body["QueryResponse"].get(entity, [])
                if not isinstance(objects, list):
                    raise TypeError(f"QueryResponse.{entity} is not a list")
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                yield RawRecord(config.name, str(entity), f"nokey:{rel}", unparsed(text, f"{rel}: {e}"))
                continue
            for position, obj in enumerate(objects):
                yield _record(config.name, str(entity), rel, position, obj)


def _record(source: str, entity: str, rel: str, position: int, obj: Any) -> RawRecord:
    if not isinstance(obj, dict):
        return RawRecord(
            source, entity, f"nokey:{rel}#{position}", unparsed(json.dumps(obj), "not a JSON object")
        )
    key = obj.get("Id")
    if isinstance(key, str | int) and not isinstance(key, bool) and str(key).strip():
        return RawRecord(source, entity, str(key).strip(), obj)
    return RawRecord(source, entity, f"nokey:{rel}#{position}", obj)
