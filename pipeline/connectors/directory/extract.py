"""Directory extraction rules as data: CSS selectors, JSON paths into embedded script data, regex splits.

Today's directory sites are React/Next.js apps: class names are hashed at every build and the listings
sit in JSON the page embeds (``<script id="__NEXT_DATA__">``, ``window.__INITIAL_STATE__ = {...}``,
JSON-LD ``<script type="application/ld+json">``), which selectors cannot reach. A source's
``[sources.extract]`` table says where that data is and how to read each listing; the same rules serve
saved pages (``directory_html``) and live ones (``directory_web``). Without it, the CSS selectors of
:mod:`.sites` apply. See docs/connectors.md, "A modern directory page".

JSON paths are dotted keys with ``[n]`` (an index), ``[*]`` (every element) and ``[key=value]`` (the
elements whose ``key`` is ``value``); ``a || b`` takes the first path that gives a value; several values
are joined with ", ". A split applies a regular expression with named groups to one field and fills the
fields the groups name, where they are still empty ("Plumbers & Gas Fitters, Cairns City, QLD 4870").
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from pipeline.connectors.directory.sites import MAX_PAGE_CHARS, Selectors, check_block
from pipeline.connectors.directory.sites import parse_page as css_page
from pipeline.connectors.files import UnreadableFile, read_text
from pipeline.errors import ConfigError
from pipeline.records import RawRecord, Rejected

logger = logging.getLogger(__name__)

PageParser = Callable[[str, str, str], tuple[list[dict[str, Any]], str | None]]  # (html, url, source)
LD_JSON: Final = "ld+json"
_STEP: Final = re.compile(r"([^.\[\]]+)|\[(\*|-?\d+|[^\]=]+=[^\]]*)\]")
MAX_FRAGMENT: Final = 20_000


@dataclass(frozen=True)
class Split:
    """Fill fields from the named groups of ``pattern`` matched against ``source`` (a field)."""

    source: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Rules:
    """How to read one directory's listings from its embedded JSON."""

    script: str  # "__NEXT_DATA__", "ld+json" or a JS variable such as "window.__INITIAL_STATE__"
    listings: str  # path from the script data to the listings
    key: str  # path from a listing to its id
    fields: Mapping[str, str]  # payload field -> path from a listing
    next: str | None = None  # path from the script data to the next page's URL
    splits: tuple[Split, ...] = ()
    constants: Mapping[str, str] = field(default_factory=dict)  # e.g. {"country": "AU"}
    markers: tuple[str, ...] = Selectors().markers

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Rules | None:
        """The source's ``[sources.extract]`` rules; ``None`` when it has none."""
        raw = options.get("extract")
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise ConfigError("extract must be a table (see docs/connectors.md)")
        missing = [k for k in ("script", "listings", "key", "fields") if not raw.get(k)]
        if missing:
            raise ConfigError(f"extract needs {', '.join(missing)} (see docs/connectors.md)")
        splits = []
        for i, split in enumerate(raw.get("splits", [])):
            try:
                pattern = re.compile(str(split["pattern"]))
                splits.append(Split(str(split["from"]), pattern))
            except (KeyError, TypeError) as e:
                raise ConfigError(f"extract.splits[{i}] needs 'from' and 'pattern'") from e
            except re.error as e:
                raise ConfigError(f"extract.splits[{i}].pattern is not a regular expression: {e}") from e
        paths = [str(raw["listings"]), str(raw["key"]), *(str(v) for v in dict(raw["fields"]).values())]
        for path in paths:
            for alternative in path.split("||"):
                _steps(alternative.strip())  # fails early on a malformed path
        return cls(
            script=str(raw["script"]),
            listings=str(raw["listings"]),
            key=str(raw["key"]),
            fields={str(k): str(v) for k, v in dict(raw["fields"]).items()},
            next=str(raw["next"]) if raw.get("next") else None,
            splits=tuple(splits),
            constants={str(k): str(v) for k, v in dict(raw.get("constants", {})).items()},
            markers=tuple(str(m).lower() for m in raw.get("markers", Selectors().markers)),
        )


def _steps(path: str) -> list[str]:
    """``a.b[0][*][type=PHONE]`` -> ``["a", "b", "[0]", "[*]", "[type=PHONE]"]``."""
    steps, pos = [], 0
    path = path.strip()
    while pos < len(path):
        if path[pos] == ".":
            pos += 1
            continue
        match = _STEP.match(path, pos)
        if match is None:
            raise ConfigError(f"JSON path {path!r} cannot be read at {path[pos:]!r}")
        steps.append(match.group(1) or f"[{match.group(2)}]")
        pos = match.end()
    return steps


def select(data: Any, path: str) -> list[Any]:
    """Every value ``path`` reaches in ``data`` (the first alternative of ``a || b`` that reaches any)."""
    for alternative in path.split("||"):
        values = [data]
        for step in _steps(alternative):
            values = [v for value in values for v in _step(value, step)]
        found = [v for v in values if v not in (None, "", [], {})]
        if found:
            return found
    return []


def _step(value: Any, step: str) -> list[Any]:
    if not step.startswith("["):
        return [value[step]] if isinstance(value, Mapping) and step in value else []
    inner = step[1:-1]
    if not isinstance(value, list):
        return []
    if inner == "*":
        return list(value)
    if "=" in inner:
        key, _, wanted = inner.partition("=")
        return [v for v in value if isinstance(v, Mapping) and str(v.get(key)) == wanted]
    index = int(inner)
    return [value[index]] if -len(value) <= index < len(value) else []


def _text(values: Sequence[Any]) -> str | None:
    parts = [str(v).strip() for v in values if isinstance(v, str | int | float) and not isinstance(v, bool)]
    joined = ", ".join(p for p in parts if p)
    return joined or None


def script_data(html: str, script: str) -> Any:
    """The JSON a page embeds: the ``__NEXT_DATA__`` script, every JSON-LD block (a list), or a JS assignment."""
    soup = BeautifulSoup(html, "html.parser")
    if script == LD_JSON:
        blocks = []
        for tag in soup.find_all("script", attrs={"type": "application/ld+json"}):
            try:
                blocks.append(json.loads(tag.get_text()))
            except ValueError as e:
                logger.info("a JSON-LD block cannot be read (%s); skipped", e)
        return blocks
    found = soup.find("script", id=script)
    if found is not None:
        return json.loads(found.get_text())
    for tag in soup.find_all("script"):
        code = tag.get_text()
        match = re.search(re.escape(script) + r"\s*=\s*", code)
        if match is None:
            continue
        rest = code[match.end() :]
        parsed = re.match(r"JSON\.parse\(\s*", rest)
        if parsed is not None:  # window.__INITIAL_STATE__ = JSON.parse("{...}")
            literal, _ = json.JSONDecoder().raw_decode(rest[parsed.end() :])
            return json.loads(literal)
        value, _ = json.JSONDecoder().raw_decode(rest)
        return value
    raise ValueError(f"the page embeds no {script} data")


def listing(item: Any, rules: Rules) -> dict[str, Any]:
    """The payload of one listing object: its id, each field as text, splits applied, constants added."""
    values: dict[str, Any] = {name: _text(select(item, path)) for name, path in rules.fields.items()}
    for split in rules.splits:
        match = split.pattern.search(values.get(split.source) or "")
        if match is None:
            continue
        for name, value in match.groupdict().items():
            if value is not None and not values.get(name):
                values[name] = value.strip() or None
    return {
        "listing_id": _text(select(item, rules.key)[:1]),
        **values,
        **rules.constants,
        "json": json.dumps(item, ensure_ascii=False, sort_keys=True)[:MAX_FRAGMENT],
    }


def parse_page(
    html: str, rules: Rules, url: str, source: str = "directory"
) -> tuple[list[dict[str, Any]], str | None]:
    """The listings of one page and the absolute URL of the next (or ``None``).

    Raises :class:`~pipeline.connectors.http.Blocked` for a challenge page and :class:`Rejected` for a page
    whose embedded data cannot be read.
    """
    if len(html) > MAX_PAGE_CHARS:
        raise Rejected("too_long", f"{url}: page of {len(html)} characters is over {MAX_PAGE_CHARS}", None)
    check_block(html, rules.markers, source, url)
    try:
        data = script_data(html, rules.script)
    except ValueError as e:
        raise Rejected("parse", f"{url}: embedded {rules.script} data cannot be read: {e}"[:400], None) from e
    items = select(data, rules.listings)
    if not items:
        logger.warning("%s: %s: no listings at %r in the %s data", source, url, rules.listings, rules.script)
    nxt = _text(select(data, rules.next)[:1]) if rules.next else None
    return [listing(item, rules) for item in items], urljoin(url, nxt) if nxt else None


def page_parser(options: Mapping[str, Any], selectors: Selectors) -> PageParser:
    """The source's page parser: its ``[sources.extract]`` rules when it has them, else its CSS selectors."""
    rules = Rules.from_options(options)
    if rules is not None:
        return lambda html, url, source: parse_page(html, rules, url, source)
    return lambda html, url, source: css_page(html, selectors, url, source)


def read_saved(source: str, root: Path, start: str, options: Mapping[str, Any]) -> Iterator[RawRecord]:
    """Listings of saved pages with the source's rules (or selectors): from ``start``, following each
    page's next link to a file beside it; without ``start``, every ``page-N.html`` in number order.

    Raises :class:`UnreadableFile` for a linked page that is missing or not text."""
    parse = page_parser(options, Selectors.from_options(options))
    page: Path | None = root / start
    if page is not None and not page.exists():
        pages = sorted(root.glob("page-*.html"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
        for saved in pages:
            yield from _records(
                source, saved, parse(read_text(saved, options.get("encoding")), saved.name, source)[0]
            )
        return
    seen: set[Path] = set()
    while page is not None and page not in seen:
        seen.add(page)
        if not page.exists():
            raise UnreadableFile(f"{page.name}: linked as the next page but missing")
        listings, nxt = parse(read_text(page, options.get("encoding")), page.name, source)
        yield from _records(source, page, listings)
        name = nxt.rsplit("/", 1)[-1].split("?")[0] if nxt else None
        page = page.parent / name if name and re.fullmatch(r"[\w.-]+\.html?", name) else None


def _records(source: str, page: Path, listings: list[dict[str, Any]]) -> Iterator[RawRecord]:
    for n, item in enumerate(listings):
        key = item.get("listing_id")
        key = key.strip() if isinstance(key, str) and key.strip() else f"nokey:{page.name}#{n}"
        yield RawRecord(source, "Listing", key, {**item, "page": page.name})
