"""Names, towns and streets in their standard written form: "PRICE COLLEGE" -> "Price College",
"UNIT 40, STATION RD" -> "Unit 40, Station Road", "stoke-on-trent" -> "Stoke-on-Trent".

Pure text functions used by survivorship to pick and show golden values. A value already written in mixed
case is kept as its writer chose (``"iPhone Fix Ltd"``); only all-capitals or all-lower-case text is recased.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Final

logger = logging.getLogger(__name__)

#: Words kept in capitals whatever the source wrote.
UPPER_WORDS: Final = frozenset(
    {"llp", "plc", "uk", "gb", "cic", "nhs", "bbc", "ppe", "diy", "hvac", "usa", "eu"}
)
#: Words written in lower case inside a name or town ("Newcastle upon Tyne", "Bank of England").
LOWER_WORDS: Final = frozenset({"and", "of", "the", "upon", "on", "in", "at", "for", "by", "de", "le", "la"})
#: Street-address abbreviations and their full words (UK usage); matched on whole words, any case.
STREET_WORDS: Final = {
    "rd": "Road", "st": "Street", "ave": "Avenue", "av": "Avenue", "ln": "Lane", "dr": "Drive", "cl": "Close",
    "ct": "Court", "cres": "Crescent", "pl": "Place", "sq": "Square", "gdns": "Gardens", "gr": "Grove",
    "pk": "Park", "ter": "Terrace", "terr": "Terrace", "hwy": "Highway", "blvd": "Boulevard", "bldg": "Building",
    "bldgs": "Buildings", "ind": "Industrial", "est": "Estate", "mt": "Mount", "wy": "Way", "sth": "South",
    "nth": "North", "rdg": "Ridge", "mkt": "Market", "flt": "Flat", "apt": "Apartment",
}  # fmt: skip
#: Legal suffixes in their usual form, however a source wrote them ("LTD", "Ltd.", "L.L.P.").
LEGAL_SUFFIXES: Final = {"ltd": "Ltd", "limited": "Limited", "llp": "LLP", "plc": "PLC", "cic": "CIC"}
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z']*\.?")
_SPACES: Final = re.compile(r"\s+")
_HOUSE_COMMA: Final = re.compile(r"^(\d+[A-Za-z]?),\s*")  # "228, Queen Rd": the house number needs no comma


def tidy(text: str) -> str:
    """Leading, trailing and repeated spaces removed."""
    return _SPACES.sub(" ", text).strip()


def is_one_case(text: str) -> bool:
    """True when the letters of ``text`` are all capitals or all lower case."""
    return text.isupper() or text.islower()


def _word_case(word: str, first: bool) -> str:
    core = word.rstrip(".")
    lower = core.lower()
    if lower in UPPER_WORDS:
        out = core.upper()
    elif lower in LOWER_WORDS and not first:
        out = lower
    elif lower.startswith("mc") and len(lower) > 3:
        out = "Mc" + lower[2].upper() + lower[3:]
    elif "'" in lower and lower.index("'") == 1 and len(lower) > 2:  # O'Brien, D'Arcy
        out = lower[0].upper() + "'" + lower[2].upper() + lower[3:]
    else:
        out = lower[:1].upper() + lower[1:]
    return out + word[len(core) :]


def standard_case(text: str) -> str:
    """``text`` in title case with the usual exceptions, when it was written all in one case; else as written."""
    text = tidy(text)
    if not is_one_case(text):
        return text
    out: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        out.append(text[position : match.start()])
        out.append(_word_case(match.group(0), first=match.start() == 0))
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def legal_suffix(name: str) -> str:
    """The last word of a company name in its usual form when it is a legal suffix ("Derby Joinery LTD" -> "... Ltd")."""
    head, _, last = tidy(name).rpartition(" ")
    usual = LEGAL_SUFFIXES.get(last.replace(".", "").lower()) if head else None
    return f"{head} {usual}" if usual else tidy(name)


def expand_street(text: str) -> str:
    """Street abbreviations written out ("Station Rd" -> "Station Road"); "St" first in a street is Saint."""
    words = _HOUSE_COMMA.sub(r"\1 ", tidy(text)).split(" ")
    out = []
    for i, word in enumerate(words):
        stripped = word.rstrip(".,")
        tail = word[len(stripped) :].replace(".", "")
        full = STREET_WORDS.get(stripped.lower())
        if (
            full
            and stripped.lower() == "st"
            and (i == 0 or words[i - 1][:1].isdigit())
            and i + 1 < len(words)
        ):
            full = "St"  # "St Mary's Road", "12 St Johns Way": a saint, not a street
        out.append(full + tail if full else word)
    return " ".join(out)


@lru_cache(maxsize=1 << 18)
def display_value(field: str, value: str) -> str:
    """A golden value as the profile shows it: standard case for names and places, streets written out; an
    erased person's pseudonym stays as written."""
    from warehouse.privacy.pseudonym import PREFIX as ERASED

    if value.startswith(ERASED):
        return value
    if field in {"street", "ship_address"}:
        return expand_street(standard_case(value))
    if field in {"company_name", "display_name", "name"}:
        return legal_suffix(standard_case(value))
    if field in {"given_name", "family_name", "city", "region"}:
        return standard_case(value)
    return tidy(value)


@lru_cache(maxsize=1 << 18)
def vote_key(field: str, value: str) -> str:
    """What two spellings of one value share: case, spacing, full stops and street abbreviations ignored."""
    text = expand_street(value) if field in {"street", "ship_address"} else value
    text = text.casefold().replace(".", "").replace(",", " ")
    text = re.sub(r"\blimited\b", "ltd", text)
    return tidy(text)
