"""Synthetic people and businesses with realistic duplicates, for benchmarks and tests.

Names follow a Zipf-like law (a few very common, a long tail), as do real customer files;
duplicates carry the noise clerks and imports add: typos, swapped names, missing values,
other phone/date/street formats, upper case, legal-form variants of business names, and a
few switchboard numbers shared by many businesses. Deterministic for a given seed.
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

logger = logging.getLogger(__name__)

_ONSETS: Final = [
    "b",
    "br",
    "c",
    "ch",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "sh",
    "t",
    "v",
    "w",
    "z",
]
_VOWELS: Final = ["a", "e", "i", "o", "u", "ai", "ea", "ie", "ou"]
_CODAS: Final = ["", "n", "r", "s", "l", "th", "ck", "m", "nd", "tt", "son", "ley", "ton", "er"]
_STREET_TYPES: Final = ["Street", "Road", "Avenue", "Drive", "Lane", "Court", "Place", "Crescent", "Parade"]
_STREET_SHORT: Final = {
    "Street": "St",
    "Road": "Rd",
    "Avenue": "Ave",
    "Drive": "Dr",
    "Lane": "Ln",
    "Court": "Ct",
    "Place": "Pl",
    "Crescent": "Cres",
    "Parade": "Pde",
}
_STATES: Final = ["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"]
_SUFFIXES: Final = ["Pty Ltd", "Pty. Ltd.", "Limited", "Pty Limited", "Ltd", ""]
_DOMAINS: Final = ["gmail.com", "outlook.com", "bigpond.com", "yahoo.com.au", "icloud.com"]

Strings = npt.NDArray[np.object_]


def _words(rng: np.random.Generator, n: int, syllables: tuple[int, int]) -> list[str]:
    """``n`` distinct pronounceable words (drawn in bulk: a Python loop per letter is too slow)."""
    out: dict[str, None] = {}
    onsets, vowels, codas = (np.asarray(x, dtype=object) for x in (_ONSETS, _VOWELS, _CODAS))
    while len(out) < n:
        batch = 2 * (n - len(out)) + 16
        k = rng.integers(syllables[0], syllables[1] + 1, batch)
        parts = (
            onsets[rng.integers(0, len(onsets), (batch, 3))]
            + vowels[rng.integers(0, len(vowels), (batch, 3))]
        )
        ends = codas[rng.integers(0, len(codas), batch)]
        for row, size, end in zip(parts, k, ends, strict=True):
            out["".join(row[:size]).capitalize() + end] = None
            if len(out) == n:
                break
    return list(out)


def _zipf(rng: np.random.Generator, vocab: list[str], size: int, flatten: float = 10.0) -> Strings:
    p = 1.0 / (np.arange(len(vocab)) + flatten)
    idx = rng.choice(len(vocab), size=size, p=p / p.sum())
    return np.asarray(vocab, dtype=object)[idx]


def _typo(rng: np.random.Generator, s: str) -> str:
    if len(s) < 2:
        return s
    i = int(rng.integers(0, len(s) - 1))
    op = int(rng.integers(0, 4))
    letter = chr(int(rng.integers(97, 123)))
    if op == 0:
        return s[:i] + letter + s[i + 1 :]
    if op == 1:
        return s[:i] + s[i + 1 :]
    if op == 2:
        return s[:i] + letter + s[i:]
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def _apply(
    rng: np.random.Generator, col: Strings, rows: npt.NDArray[np.int64], share: float, fn: object
) -> None:
    """Apply ``fn`` to a random ``share`` of ``rows`` of ``col`` that hold a value."""
    pick = rows[rng.random(len(rows)) < share]
    for i in pick:
        if isinstance(col[i], str):
            col[i] = fn(col[i])  # type: ignore[operator]


def _phone_variant(rng: np.random.Generator, p: str) -> str:
    d = "".join(ch for ch in p if ch.isdigit())
    style = int(rng.integers(0, 3))
    if style == 0:
        return "+61 " + d[1:]
    if style == 1:
        return f"{d[:2]}-{d[2:6]}-{d[6:]}"
    return d


def synthetic_records(n: int, seed: int = 42, business_share: float = 0.2) -> pd.DataFrame:
    """``n`` records (about one in three a duplicate) with ``record_id`` and true ``entity_id``."""
    rng = np.random.default_rng(seed)
    n_ent = max(1, int(n / 1.5))
    given_v, family_v = _words(rng, 3000, (1, 2)), _words(rng, 20000, (1, 3))
    street_v, city_v, biz_v = _words(rng, 5000, (1, 3)), _words(rng, 2000, (1, 3)), _words(rng, 4000, (1, 2))
    is_biz = rng.random(n_ent) < business_share
    given = _zipf(rng, given_v, n_ent)
    given[is_biz] = None
    family = _zipf(rng, family_v, n_ent)
    family[is_biz] = None
    b1, b2 = _zipf(rng, biz_v, n_ent, 50.0), _zipf(rng, biz_v, n_ent, 50.0)
    suffix = rng.choice(_SUFFIXES, n_ent)
    business = np.array(
        [f"{a} {b} {s}".strip() if z else None for a, b, s, z in zip(b1, b2, suffix, is_biz, strict=True)],
        dtype=object,
    )
    days = rng.integers(-14600, 12800, n_ent).astype("datetime64[D]")
    dob: Strings = np.datetime_as_string(days).astype(object)
    dob[is_biz] = None
    city_idx = rng.integers(0, len(city_v), n_ent)
    city = np.asarray(city_v, dtype=object)[city_idx]
    postcode = np.array(
        [str(1000 + (c * 7 + k) % 8000) for c, k in zip(city_idx, rng.integers(0, 3, n_ent), strict=True)],
        dtype=object,
    )
    state = np.asarray(_STATES, dtype=object)[city_idx % len(_STATES)]
    stype = rng.choice(_STREET_TYPES, n_ent)
    street = np.array(
        [
            f"{h} {s} {t}"
            for h, s, t in zip(
                rng.integers(1, 400, n_ent), _zipf(rng, street_v, n_ent, 100.0), stype, strict=True
            )
        ],
        dtype=object,
    )
    number = rng.integers(10_000_000, 100_000_000, n_ent)
    phone = np.array(
        [f"(0{(2, 3, 7, 8)[k % 4]}) {x // 10000:04d} {x % 10000:04d}" for k, x in enumerate(number)],
        dtype=object,
    )
    phone[rng.random(n_ent) > np.where(is_biz, 0.85, 0.6)] = None
    hub = is_biz & (rng.random(n_ent) < 0.01)
    phone[hub] = np.array([f"(02) 9000 00{k:02d}" for k in rng.integers(0, 5, int(hub.sum()))], dtype=object)
    email = np.array(
        [
            (
                f"info@{b.split(' ')[0].lower()}{b.split(' ')[1].lower()}{k}.com.au"
                if z
                else f"{g.lower()}.{f.lower()}{k % 89}@{_DOMAINS[k % 5]}"
            )
            for k, (g, f, b, z) in enumerate(zip(given, family, business, is_biz, strict=True))
        ],
        dtype=object,
    )
    email[rng.random(n_ent) > 0.7] = None
    source = np.array([f"QB-{k}" for k in range(n_ent)], dtype=object)
    source[rng.random(n_ent) > 0.15] = None
    entity = np.concatenate([np.arange(n_ent), rng.integers(0, n_ent, n - n_ent)])
    cols: dict[str, Strings] = {
        "given_name": given, "family_name": family, "business_name": business, "email": email, "phone": phone,
        "street": street, "city": city, "postcode": postcode, "state": state, "date_of_birth": dob, "source_id": source,
    }  # fmt: skip
    rec = {k: v[entity].copy() for k, v in cols.items()}
    dup = np.arange(n_ent, n, dtype=np.int64)
    _add_noise(rng, rec, dup)
    out = pd.DataFrame({"record_id": np.arange(n), "entity_id": entity, **rec})
    order = rng.permutation(n)
    return out.iloc[order].reset_index(drop=True)


def _add_noise(rng: np.random.Generator, rec: dict[str, Strings], dup: npt.NDArray[np.int64]) -> None:
    """Mutate the duplicate rows ``dup`` of ``rec`` in place."""
    for col, share in (
        ("given_name", 0.12),
        ("family_name", 0.12),
        ("business_name", 0.1),
        ("city", 0.05),
        ("email", 0.03),
    ):
        _apply(rng, rec[col], dup, share, lambda s: _typo(rng, s))
    swap = dup[rng.random(len(dup)) < 0.03]
    rec["given_name"][swap], rec["family_name"][swap] = (
        rec["family_name"][swap],
        rec["given_name"][swap].copy(),
    )
    for col in ("given_name", "family_name", "business_name"):
        _apply(rng, rec[col], dup, 0.08, str.upper)
    _apply(rng, rec["street"], dup, 0.3, lambda s: " ".join(_STREET_SHORT.get(w, w) for w in s.split(" ")))
    _apply(rng, rec["street"], dup, 0.08, lambda s: _typo(rng, s))
    _apply(
        rng, rec["business_name"], dup, 0.3, lambda s: s.replace(" Pty Ltd", "").replace(" Limited", " Ltd")
    )
    _apply(rng, rec["phone"], dup, 0.5, lambda s: _phone_variant(rng, s))
    _apply(rng, rec["phone"], dup, 0.02, lambda s: _typo(rng, s.replace("(", "").replace(")", "")))
    _apply(rng, rec["email"], dup, 0.2, str.upper)
    _apply(rng, rec["postcode"], dup, 0.03, lambda s: str(int(s) + 1))
    _apply(rng, rec["date_of_birth"], dup, 0.3, lambda s: f"{s[8:10]}/{s[5:7]}/{s[0:4]}")
    _apply(rng, rec["date_of_birth"], dup, 0.04, lambda s: s[:-1] + str((int(s[-1]) + 1) % 10))
    for col, share in (
        ("email", 0.3),
        ("phone", 0.3),
        ("date_of_birth", 0.05),
        ("given_name", 0.04),
        ("street", 0.05),
        ("source_id", 0.5),
    ):
        rec[col][dup[rng.random(len(dup)) < share]] = None
