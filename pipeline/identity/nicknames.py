"""Common English nicknames and the formal given name each stands for (Bob and Robert, Peggy and Margaret).

Records of one person write ``Bob`` in one system and ``Robert`` in another; as strings they
share nothing. The person model compares given names also by their formal name, so such a pair is
a level of its own whose weight EM learns, and "names differ" keeps its full weight for two
different people (a household: same surname and address, another given name).
"""

from __future__ import annotations

import logging
from typing import Final

import polars as pl

logger = logging.getLogger(__name__)

#: Formal name -> nicknames (folded, as ``standardise.normalise_name`` gives them). A nickname shared
#: by two formal names (Alex, Chris, Sam) stands for the first listed.
_NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"), "william": ("bill", "billy", "will", "willie", "liam"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"), "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny"), "michael": ("mike", "mikey", "mick"), "richard": ("rick", "ricky", "dick", "rich"),
    "margaret": ("peggy", "maggie", "meg", "marge", "greta"), "katherine": ("kate", "kathy", "katie", "kat"),
    "catherine": ("cathy", "cate"), "jennifer": ("jen", "jenny"), "thomas": ("tom", "tommy"),
    "charles": ("chuck", "charlie", "chas"), "joseph": ("joe", "joey"), "daniel": ("dan", "danny"),
    "christopher": ("chris", "kit"), "patricia": ("pat", "patty", "trish"), "susan": ("sue", "susie"),
    "deborah": ("debbie", "deb"), "anthony": ("tony",), "edward": ("ed", "eddie", "ted", "ned"),
    "henry": ("hank", "harry"), "rebecca": ("becky", "becca"), "nicholas": ("nick", "nicky"),
    "alexander": ("alex", "sandy", "xander"), "samantha": ("sam", "sammy"), "victoria": ("vicky", "tori"),
    "andrew": ("andy", "drew"), "benjamin": ("ben", "benny"), "david": ("dave", "davey"), "gregory": ("greg",),
    "jonathan": ("jon",), "kenneth": ("ken", "kenny"), "lawrence": ("larry",), "matthew": ("matt",),
    "nathaniel": ("nate", "nat"), "peter": ("pete",), "philip": ("phil",), "raymond": ("ray",),
    "ronald": ("ron", "ronnie"), "stephen": ("steve",), "steven": ("steve",), "timothy": ("tim", "timmy"),
    "walter": ("walt",), "zachary": ("zach",), "abigail": ("abby",), "barbara": ("barb", "babs"),
    "christina": ("tina",), "dorothy": ("dot", "dottie"), "eleanor": ("ellie", "nell"), "frances": ("fran",),
    "jacqueline": ("jackie",), "jessica": ("jess", "jessie"), "judith": ("judy",), "kimberly": ("kim",),
    "pamela": ("pam",), "theresa": ("terri", "tess"), "virginia": ("ginny",), "gerald": ("jerry", "gerry"),
    "francis": ("frank",), "frederick": ("fred", "freddie"), "harold": ("hal",), "leonard": ("len", "lenny"),
    "louis": ("lou",), "donald": ("don", "donnie"), "douglas": ("doug",), "eugene": ("gene",), "albert": ("al",),
}  # fmt: skip

#: Nickname -> formal name.
FORMAL: Final[dict[str, str]] = {}
for _formal, _short in _NICKNAMES.items():
    for _nick in _short:
        FORMAL.setdefault(_nick, _formal)


def formal_name(given: str | None) -> str | None:
    """The formal name a folded given name stands for (``bob`` -> ``robert``); other names unchanged."""
    if given is None:
        return None
    return FORMAL.get(given, given)


def formal_names(given: pl.Expr) -> pl.Expr:
    """``formal_name`` as a polars expression."""
    return given.replace(FORMAL)
