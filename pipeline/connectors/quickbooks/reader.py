"""Read a QuickBooks Online export: ``<Entity>/page-00001.json`` query responses, object by object.

Each object is yielded as QuickBooks sent it, keyed by its ``Id``. An object without an ``Id`` is keyed
``nokey:<Entity>/page-NNNNN.json#<position>``; a page that is not JSON (or not a query response) is
yielded whole under ``nokey:<Entity>/page-NNNNN.json`` so its stager rejects it and nothing is lost. A
page missing from the numbered set, or an empty page before a page with objects, is yielded the same
way: the entity's read is incomplete, so nothing of it counts as deleted.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from pipeline.connectors.common import unparsed
from pipeline.connectors.files import UnreadableFile, raw_text, read_text, source_path
from pipeline.records import Position, RawRecord, SourceConfig

logger = logging.getLogger(__name__)

ENTITIES: Final = ("Customer", "Item", "Invoice", "SalesReceipt", "Payment", "PaymentMethod")
_PAGE: Final = re.compile(r"^page-(\d+)\.json$")


def read(config: SourceConfig, position: Position | None = None) -> Iterator[RawRecord]:
    """Every object of every entity page under the source path, in page order."""
    root = source_path(config)
    entities = config.options.get("entities", ENTITIES)
    for entity in entities:
        folder = root / str(entity)
        if not folder.is_dir():
            logger.warning("%s: no %s pages under %s", config.name, entity, folder)
            continue
        pages = dict(sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _PAGE.match(p.name))))
        empty: list[str] = []
        for number in range(1, max(pages, default=0) + 1):
            rel = f"{entity}/page-{number:05d}.json"
            page = pages.get(number)
            if page is None:
                found = ", ".join(str(n) for n in pages)
                reason = f"{rel}: missing from the paged set (pages found: {found})"
                yield RawRecord(config.name, str(entity), f"nokey:{rel}", unparsed("", reason))
                continue
            try:
                text = read_text(page, config.options.get("encoding"))
                if not text.strip():
                    raise TypeError("empty file")
                objects = _objects(json.loads(text), str(entity))
            except UnreadableFile as e:
                yield RawRecord(config.name, str(entity), f"nokey:{rel}", unparsed(raw_text(page), str(e)))
                continue
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                yield RawRecord(config.name, str(entity), f"nokey:{rel}", unparsed(text, f"{rel}: {e}"))
                continue
            if not objects:
                empty.append(rel)
                continue
            for gap in empty:  # an empty page before one with objects: a page lost its objects
                reason = f"{gap}: no objects, but a later page has some"
                yield RawRecord(config.name, str(entity), f"nokey:{gap}", unparsed("", reason))
            empty.clear()
            for index, obj in enumerate(objects):
                yield _record(config.name, str(entity), rel, index, obj)


def entity_files(config: SourceConfig) -> dict[str, list[Path]]:
    """The files each entity :func:`read` reads comes from, in reading order (its folder; none when missing)."""
    root = source_path(config)
    return {
        str(entity): sorted(p for p in (root / str(entity)).rglob("*") if p.is_file())
        if (root / str(entity)).is_dir()
        else []
        for entity in config.options.get("entities", ENTITIES)
    }


def _objects(body: Any, entity: str) -> list[Any]:
    """The objects of a query response page; an absent entity key is an empty page, as QuickBooks sends it."""
    if not isinstance(body, dict) or not isinstance(body["QueryResponse"], dict):
        raise TypeError("not a QueryResponse object")
    objects = body["QueryResponse"].get(entity, [])
    if not isinstance(objects, list):
        raise TypeError(f"QueryResponse.{entity} is not a list")
    return objects


def _record(source: str, entity: str, rel: str, position: int, obj: Any) -> RawRecord:
    if not isinstance(obj, dict):
        return RawRecord(
            source, entity, f"nokey:{rel}#{position}", unparsed(json.dumps(obj), "not a JSON object")
        )
    key = obj.get("Id")
    if isinstance(key, str | int) and not isinstance(key, bool) and str(key).strip():
        return RawRecord(source, entity, str(key).strip(), obj)
    return RawRecord(source, entity, f"nokey:{rel}#{position}", obj)
