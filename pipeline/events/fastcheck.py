"""A fast yes/no check of an event against its JSON Schema, for the keywords our event schemas use.

``jsonschema`` takes about a millisecond per event, which is most of a first batch's event recording
at scale. :func:`compile_check` turns a schema into nested closures that answer only "valid or not";
the schema module still asks ``jsonschema`` for the reason whenever the answer is "not valid", so every
bad event gets the same message as before. A schema with a keyword not handled here gets no fast check.
"""

from __future__ import annotations

import logging
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$id", "$schema", "title", "description", "examples", "default", "$comment"})
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    ),
    "number": lambda v: not isinstance(v, bool) and isinstance(v, numbers.Number),
}


class Unsupported(Exception):
    """The schema uses a keyword this module does not check."""


def compile_check(schema: Any) -> Check | None:
    """A function telling whether an instance is valid against ``schema``, or None when it cannot be compiled."""
    try:
        return _compile(schema)
    except Unsupported as e:
        logger.info(
            "no fast check for schema %s: %s", schema.get("$id") if isinstance(schema, dict) else schema, e
        )
        return None


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda _: True
    if schema is False:
        return lambda _: False
    if not isinstance(schema, dict):
        raise Unsupported(f"schema {schema!r}")
    unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks = [
        _KEYWORDS[k](schema[k], schema) for k in schema if k in _KEYWORDS and k != "additionalProperties"
    ]
    if "additionalProperties" in schema:
        checks.append(_additional(schema["additionalProperties"], schema))
    return _all(checks)


def _all(checks: list[Check]) -> Check:
    """One check passing when every one of ``checks`` passes (a plain loop: this runs per event field)."""
    if not checks:
        return lambda _: True
    if len(checks) == 1:
        return checks[0]

    def check(v: Any) -> bool:
        for c in checks:  # noqa: SIM110 - a plain loop: no generator per event field
            if not c(v):
                return False
        return True

    return check


def _type(value: Any, _: Mapping[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(n not in _TYPES for n in names):
        raise Unsupported(f"type {value!r}")
    tests = [_TYPES[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, containers compare element by element."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return False
    return bool(a == b)


def _const(value: Any, _: Mapping[str, Any]) -> Check:
    return lambda v: equal(v, value)


def _enum(values: Any, _: Mapping[str, Any]) -> Check:
    return lambda v: any(equal(v, e) for e in values)


def _string(test: Callable[[str], bool]) -> Check:
    return lambda v: not isinstance(v, str) or test(v)


def _number(test: Callable[[Any], bool]) -> Check:
    return lambda v: isinstance(v, bool) or not isinstance(v, numbers.Number) or test(v)


def _pattern(pattern: str) -> Check:
    rx = re.compile(pattern)
    return _string(lambda s: rx.search(s) is not None)


def _required(names: Any, _: Mapping[str, Any]) -> Check:
    return lambda v: not isinstance(v, dict) or all(n in v for n in names)


def _properties(props: Any, _: Mapping[str, Any]) -> Check:
    checks = [(name, _compile(sub)) for name, sub in props.items()]

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name, c in checks:  # noqa: SIM110 - a plain loop: no generator per event field
            if name in v and not c(v[name]):
                return False
        return True

    return check


def _additional(sub: Any, schema: Mapping[str, Any]) -> Check:
    known = set(schema.get("properties", {}))
    check = _compile(sub)
    return lambda v: not isinstance(v, dict) or all(check(v[k]) for k in v if k not in known)


def _items(sub: Any, _: Mapping[str, Any]) -> Check:
    check = _compile(sub)
    return lambda v: not isinstance(v, list) or all(check(x) for x in v)


def _any_of(subs: Any, _: Mapping[str, Any]) -> Check:
    checks = [_compile(s) for s in subs]
    return lambda v: any(c(v) for c in checks)


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Check]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "anyOf": _any_of,
    "minItems": lambda n, _: lambda v: not isinstance(v, list) or len(v) >= n,
    "minLength": lambda n, _: _string(lambda s: len(s) >= n),
    "maxLength": lambda n, _: _string(lambda s: len(s) <= n),
    "pattern": lambda p, _: _pattern(p),
    "minimum": lambda n, _: _number(lambda x: x >= n),
    "maximum": lambda n, _: _number(lambda x: x <= n),
    "exclusiveMaximum": lambda n, _: _number(lambda x: x < n),
}
