"""Identifiers that differ by a keying slip: one character wrong, two swapped, ZIP+4 against ZIP, a new area code.

The same rules as the typo-aware comparison levels (``comparisons.py``), for the clustering's
conflict check: two such values may well be one customer's, so they do not keep clusters apart.
"""

from __future__ import annotations

import logging

import jellyfish

from pipeline.identity.comparisons import AREA_CHARACTERS, SUBSCRIBER_DIGITS

logger = logging.getLogger(__name__)


def one_slip(a: str, b: str) -> bool:
    """One character wrong, missing, added, or two neighbours swapped."""
    return a == b or int(jellyfish.damerau_levenshtein_distance(a, b)) <= 1


def same_phone(a: str, b: str) -> bool:
    """Standardised phones one slip apart, or with the same subscriber number (last seven digits)."""
    if one_slip(a, b):
        return True
    return min(len(a), len(b)) >= SUBSCRIBER_DIGITS and a[-SUBSCRIBER_DIGITS:] == b[-SUBSCRIBER_DIGITS:]


def same_postcode(a: str, b: str) -> bool:
    """Standardised postcodes one slip apart, with the same area (``94103``, ``941031234``), or both.

    A ZIP+4 (nine digits) counts by its ZIP, so ``981870320`` and ``98178`` are one slip apart.
    """
    if one_slip(a, b):
        return True
    n = AREA_CHARACTERS
    if min(len(a), len(b)) >= n and a[:n] == b[:n]:
        return True
    return one_slip(_zip(a), _zip(b))


def _zip(code: str) -> str:
    return code[:AREA_CHARACTERS] if len(code) == 9 and code.isdigit() else code


def compatible(column: str, a: str, b: str) -> bool:
    """May one customer hold both values of conflict column ``column``?"""
    if column == "phone_key":
        return same_phone(a, b)
    if column == "postcode":
        return same_postcode(a, b)
    return one_slip(a, b)  # a company web domain keyed with one slip (acmeplumbing.com, acmeplumbng.com)
