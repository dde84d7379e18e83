"""Realistic noise: the ways people and systems write the same company, phone, address and e-mail.

Each function takes a seeded :class:`random.Random` so a data set is reproducible; every variant
here is still a *valid* value (malformed values are planted separately, see ``malformed.py``).
"""

from __future__ import annotations

import logging
import random
from typing import Final

logger = logging.getLogger(__name__)

_SUFFIX_FORMS: Final = {
    "Ltd": ("Ltd", "Ltd", "Limited", "Ltd.", "LTD", ""),
    "Limited": ("Limited", "Limited", "Ltd", "Ltd.", ""),
    "LLP": ("LLP", "LLP", "L.L.P.", ""),
    "& Co": ("& Co", "and Co", "& Co.", ""),
    "": ("",),
}
_KEYBOARD_NEIGHBOURS: Final = {
    "a": "qs", "e": "wr", "i": "uo", "o": "ip", "n": "bm", "r": "et", "s": "ad", "t": "ry", "l": "k", "c": "xv",
}  # fmt: skip
_TOWN_SHORT: Final = {"Newcastle upon Tyne": "Newcastle", "Stoke-on-Trent": "Stoke", "London": "London"}


def typo(r: random.Random, text: str) -> str:
    """One keyboard slip: a swapped, dropped, doubled or neighbouring letter (never in the first letter)."""
    if len(text) < 4:
        return text
    i = r.randrange(1, len(text) - 1)
    kind = r.randrange(4)
    if kind == 0 and text[i].isalpha() and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1 and text[i].isalpha():
        return text[:i] + text[i + 1 :]
    if kind == 2 and text[i].isalpha():
        return text[:i] + text[i] + text[i:]
    near = _KEYBOARD_NEIGHBOURS.get(text[i].lower())
    if near:
        return text[:i] + r.choice(near) + text[i + 1 :]
    return text


def company(r: random.Random, core: str, suffix: str, typo_rate: float = 0.05) -> str:
    """A company name as someone typed it: suffix forms, "&"/"and", case, the odd typo."""
    name = core
    if "&" in name and r.random() < 0.3:
        name = name.replace("&", "and")
    form = r.choice(_SUFFIX_FORMS.get(suffix, (suffix,)))
    if form:
        name = f"{name} {form}"
    roll = r.random()
    if roll < 0.04:
        name = name.upper()
    elif roll < 0.06:
        name = name.lower()
    if r.random() < typo_rate:
        name = typo(r, name)
    if r.random() < 0.03:
        name = f" {name}  "
    return name


def phone(r: random.Random, national: str, style: int | None = None) -> str:
    """A UK number in one of the ways people write it: spaced, +44, compact, (0), brackets."""
    if national.startswith("07"):
        head, tail = national[:5], national[5:]
    elif national[:3] in ("020", "023", "024", "028", "029"):
        head, tail = national[:3], f"{national[3:7]} {national[7:]}"
    elif national[:4] in (
        "0113",
        "0114",
        "0115",
        "0116",
        "0117",
        "0118",
        "0121",
        "0131",
        "0141",
        "0151",
        "0161",
        "0191",
    ):
        head, tail = national[:4], f"{national[4:7]} {national[7:]}"
    else:
        head, tail = national[:5], national[5:]
    k = r.randrange(7) if style is None else style
    if k in (0, 1):
        return f"{head} {tail}"
    if k == 2:
        return f"+44 {head[1:]} {tail}"
    if k == 3:
        return national
    if k == 4:
        return f"+44 (0){head[1:]} {tail}"
    if k == 5:
        return f"({head}) {tail}"
    return "+44" + national[1:]


def street(r: random.Random, full: str, short: str) -> str:
    """Street line: full or abbreviated type, an odd comma, sometimes upper case."""
    text = full if r.random() < 0.6 else short
    if r.random() < 0.1:
        text = text.replace(" ", ", ", 1)
    if r.random() < 0.05:
        text = text.upper()
    return text


def postcode(r: random.Random, code: str) -> str:
    """Postcode with the usual variations in case and spacing."""
    roll = r.random()
    if roll < 0.15:
        return code.replace(" ", "")
    if roll < 0.25:
        return code.lower()
    return code


def town(r: random.Random, name: str) -> str:
    """Town as typed: short forms and case slips."""
    if r.random() < 0.5:
        name = _TOWN_SHORT.get(name, name)
    if r.random() < 0.05:
        name = name.upper()
    return name


def email(r: random.Random, address: str) -> str:
    """E-mail as typed: mixed case now and then, stray spaces."""
    roll = r.random()
    if roll < 0.1:
        local, _, domain = address.partition("@")
        return f"{local.title()}@{domain}"
    if roll < 0.13:
        return address.upper()
    if roll < 0.16:
        return f" {address} "
    return address


def person(r: random.Random, given: str, family: str, typo_rate: float = 0.03) -> str:
    """A contact's name as written: full, initial, surname first, with the odd typo."""
    roll = r.random()
    if roll < 0.7:
        name = f"{given} {family}"
    elif roll < 0.85:
        name = f"{given[0]}. {family}"
    else:
        name = f"{given}"
    return typo(r, name) if r.random() < typo_rate else name
