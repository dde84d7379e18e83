"""QuickBooks Online API mode: full loads paged with STARTPOSITION/MAXRESULTS, then ChangeDataCapture.

The reader yields the same :class:`RawRecord` s as the export mode (entity, ``Id``, the object as sent), so
the QuickBooks stager stages them; a CDC deletion arrives as its tombstone (``status: Deleted``).

Watermark: the reader loads the last watermark from its ``position`` and, once every record has been
yielded, saves the new one there (and returns it as the generator's return value). It is the server's
``time`` of the first response of the sync, so a change made while the sync ran is fetched again next time
(landing ignores a version it already has). The land step keeps it in ``ops_watermark`` under
``extract:<source>``, set in the same transaction as the landed records (docs/connectors.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, Final

from pipeline.connectors.common import unparsed
from pipeline.connectors.http import Sleep
from pipeline.connectors.quickbooks import queries
from pipeline.connectors.quickbooks.client import QboClient, client_from_config
from pipeline.connectors.quickbooks.queries import Watermark
from pipeline.connectors.quickbooks.stager import _sales
from pipeline.connectors.quickbooks.stager import stage as stage_export
from pipeline.errors import SourceError
from pipeline.quality.locale import Locale
from pipeline.records import Deleted, Position, RawRecord, SourceConfig, StagedRow

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE: Final = 100
_credit_memo = _sales("credit_memo")
_NEGATED: Final = ("quantity", "amount", "doc_amount")  # a credit memo's lines take revenue back


def read_api(
    config: SourceConfig,
    position: Position | None = None,
    *,
    client: QboClient | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = time.sleep,
) -> Generator[RawRecord, None, str]:
    """Every object changed since the watermark at ``position`` (all of them without one); saves and returns
    the new watermark."""
    qbo = client or client_from_config(config, clock=clock, sleep=sleep)
    entities = [str(e) for e in config.options.get("entities", queries.API_ENTITIES)]
    size = int(config.options.get("page_size", DEFAULT_PAGE_SIZE))
    mark = Watermark.decode(position.load() if position is not None else None)
    started: list[str] = []  # the server time of the first response of this sync
    if mark.changed_since is not None and not mark.needs_full_load(dt.datetime.now(dt.UTC)):
        body = qbo.cdc(queries.cdc_entities(entities), mark.changed_since)
        started.append(_server_time(body, config.name))
        changed = _read(config.name, "cdc", queries.cdc_objects, body, entities)
        for entity in entities:
            objects = changed[entity]
            if len(objects) >= queries.CDC_MAX_OBJECTS:
                logger.info(
                    "%s: CDC returned %d %s objects (its limit): full load", config.name, len(objects), entity
                )
                yield from _full(qbo, config.name, entity, size, started)
                continue
            for index, obj in enumerate(objects):
                yield _record(config.name, entity, f"cdc:{mark.changed_since}", index, obj)
    else:
        for entity in entities:
            yield from _full(qbo, config.name, entity, size, started)
    new = Watermark(started[0] if started else mark.changed_since).encode()
    if position is not None:
        position.save(new)
    logger.info("%s: synced to %s", config.name, new)
    return new


def _full(
    qbo: QboClient, source: str, entity: str, size: int, started: list[str]
) -> Generator[RawRecord, None, None]:
    start = 1
    while True:
        select = queries.select_page(entity, start, size)
        body = qbo.query(select)
        if not started:
            started.append(_server_time(body, source))
        objects = _read(source, select, queries.page_objects, body, entity)
        for index, obj in enumerate(objects):
            yield _record(source, entity, f"{entity}@{start}", index, obj)
        if len(objects) < size:
            return
        start += size


def _read(source: str, what: str, parse: Callable[..., Any], *args: Any) -> Any:
    try:
        return parse(*args)
    except ValueError as e:
        raise SourceError(source, f"{what}: unexpected QuickBooks response: {e}") from e


def _server_time(body: Mapping[str, Any], source: str) -> str:
    value = body.get("time")
    try:
        return queries.parse_time(str(value)).isoformat()
    except ValueError as e:
        raise SourceError(source, f"QuickBooks response has no valid 'time' ({value!r:.40})") from e


def _record(source: str, entity: str, where: str, position: int, obj: Any) -> RawRecord:
    if not isinstance(obj, dict):
        return RawRecord(
            source, entity, f"nokey:{where}#{position}", unparsed(repr(obj)[:2000], "not an object")
        )
    key = obj.get("Id")
    if isinstance(key, str | int) and not isinstance(key, bool) and str(key).strip():
        return RawRecord(source, entity, str(key).strip(), obj)
    return RawRecord(source, entity, f"nokey:{where}#{position}", obj)


def stage_api(record: RawRecord, locale: Locale) -> list[StagedRow]:
    """Stage an API record: as the export mode, plus CreditMemo (negative sales lines), Estimate and deletions.

    An Estimate is not a sale: it stages as a ``quote`` interaction. A CDC tombstone raises
    ``Deleted``: the stage step removes what the object staged before.
    """
    payload = record.payload
    if queries.is_deleted(payload):
        meta = payload.get("MetaData")
        when = meta.get("LastUpdatedTime") if isinstance(meta, dict) else None
        raise Deleted(f"{record.entity} {record.source_key} was deleted in QuickBooks ({when})")
    if record.entity == "CreditMemo":
        rows = _credit_memo(payload, locale.currency)
        return [
            StagedRow(
                r.table, {**r.values, **{k: -r.values[k] for k in _NEGATED if r.values.get(k) is not None}}
            )
            for r in rows
        ]
    return stage_export(record, locale)


def keys(records: Iterable[RawRecord]) -> list[tuple[str, str]]:
    """(entity, key) of each record, in order: what a sync moved (for logs and tests)."""
    return [(r.entity, r.source_key) for r in records]
