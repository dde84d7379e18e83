"""Business connections between golden customers (requirement 5.5), for referral opportunities.

Pure: takes each customer's records and texts, returns one ``Relationship`` per (pair, kind) with
``customer_key_a < customer_key_b``, a strength in 0..1 and a short evidence text. Kinds:

    shared_address     same street and postcode
    shared_phone       same phone number
    web_domain         same company web domain (website or non-free-mail e-mail domain)
    shared_contact     same contact person (owner/officer) named on both customers' records
    referral           one customer's record names the other in a referral field or note
    instagram_mention  a customer's posts/comments mention another customer's Instagram @handle

A value shared by many customers (a serviced office, an accountant's phone) says little about
any one pair: strength falls as ``2 / holders``, and values held by more than ``MAX_HOLDERS``
customers are skipped rather than producing thousands of pairs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from pipeline.identity.standardise import (
    FREE_MAIL_DOMAINS,
    normalise_business_name,
    normalise_email,
    normalise_name,
    normalise_postcode,
    normalise_street,
)

KINDS: Final = (
    "shared_address", "shared_phone", "web_domain", "shared_contact", "referral", "instagram_mention",
)  # fmt: skip
#: Strength of a value held by exactly two customers.
BASE_STRENGTH: Final = {
    "shared_phone": 0.9, "shared_address": 0.8, "web_domain": 0.85, "shared_contact": 0.6, "referral": 0.9,
}  # fmt: skip
MAX_HOLDERS: Final = 20
SHARED: Final = tuple(kind for kind in BASE_STRENGTH if kind != "referral")  # the kinds of shared values
#: Values a customer holds that are not shared values: what a referral names it by, its Instagram handle,
#: and a referral field or note of its own.
NAME, HANDLE, REFERRAL = "name", "handle", "referral_text"
_HANDLE: Final = re.compile(r"(?<![\w.@])@([a-z0-9_.]{2,30}[a-z0-9_])", re.IGNORECASE)
#: A field named "Referred By", "referral_source", "ReferrerName" -- but not "PreferredDeliveryMethod".
_REFERRAL: Final = re.compile(r"(?<![a-z])referr", re.IGNORECASE)
_REFERRAL_NOTE: Final = re.compile(
    r"\breferr(?:al|ed)\s+(?:from|by)\s*:?\s*(.+?)\s*(?:[.;,\n]|$)", re.IGNORECASE
)


@dataclass(frozen=True)
class Relationship:
    customer_key_a: int
    customer_key_b: int
    kind: str
    strength: float
    evidence: str


def _domain(website: Any) -> str | None:
    if not website:
        return None
    text = str(website).strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host if "." in host else None


def _values(record: Mapping[str, Any]) -> dict[str, set[str]]:
    """The relationship values one staged customer record carries, standardised."""
    out: dict[str, set[str]] = defaultdict(set)
    if record.get("phone"):
        out["shared_phone"].add(str(record["phone"]))
    country = record.get("country")  # the staged address's ISO code, if it names one
    street = normalise_street(record.get("street"), country)
    postcode = normalise_postcode(record.get("postcode"), country)
    if street and postcode:
        out["shared_address"].add(f"{street}, {postcode}")
    email = normalise_email(record.get("email"))
    for domain in (email.split("@", 1)[1] if email else None, _domain(record.get("website"))):
        if domain and domain not in FREE_MAIL_DOMAINS:
            out["web_domain"].add(domain)
    given, family = normalise_name(record.get("given_name")), normalise_name(record.get("family_name"))
    if given and family and len(given) > 1:  # an initial is not enough to name a person
        out["shared_contact"].add(f"{given} {family}")
    return out


def customer_values(record: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every (kind, value) one staged customer record gives its customer: the shared values above, the
    names a referral may give (:data:`NAME`) and the Instagram handle a post may mention (:data:`HANDLE`)."""
    out = {(kind, value) for kind, values in _values(record).items() for value in values}
    out |= {(NAME, name) for name in _names(record)}
    if record.get("instagram_handle"):
        out.add((HANDLE, str(record["instagram_handle"]).lower()))
    return out


def shared_value_relationships(groups: Iterable[tuple[str, str, Collection[int]]]) -> list[Relationship]:
    """Pairs of customers sharing a phone, address, web domain or contact person.

    ``groups``: (kind, value, the customers holding it), in any order; a pair sharing several values of a
    kind keeps the strongest, the first in (kind, value) order among equals.
    """
    best: dict[tuple[int, int, str], Relationship] = {}
    for kind, value, keys in sorted(groups, key=lambda g: (g[0], g[1])):
        if len(keys) < 2 or len(keys) > MAX_HOLDERS:
            continue
        strength = round(BASE_STRENGTH[kind] * min(1.0, 2 / len(keys)), 4)
        label = kind.replace("shared_", "").replace("_", " ")
        evidence = f"{label} {value}" + (f" (held by {len(keys)} customers)" if len(keys) > 2 else "")
        ordered = sorted(keys)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                _keep(best, Relationship(a, b, kind, strength, evidence))
    return list(best.values())


def _keep(best: dict[tuple[int, int, str], Relationship], rel: Relationship) -> None:
    key = (rel.customer_key_a, rel.customer_key_b, rel.kind)
    if key not in best or rel.strength > best[key].strength:
        best[key] = rel


def _pair(a: int, b: int, kind: str, strength: float, evidence: str) -> Relationship | None:
    if a == b:
        return None
    lo, hi = sorted((a, b))
    return Relationship(lo, hi, kind, round(min(1.0, strength), 4), evidence[:300])


def mentioned_handles(text: str | None) -> set[str]:
    """The lower-case Instagram handles a post or comment mentions (``@name``), without the @."""
    return {h.lower().rstrip(".") for h in _HANDLE.findall(text or "")}


def mention_relationships(
    handles: Mapping[str, Collection[int]], texts: Iterable[tuple[int, str]]
) -> list[Relationship]:
    """Customers whose posts/comments (``(customer_key, text)``) mention another customer's @handle.

    ``handles``: lower-case Instagram handle -> the customers holding it (one, unless identity resolution
    kept two customers apart that both show it). One mention gives 0.5; each further mention adds 0.1, up to 1.
    """
    counts: dict[tuple[int, int], int] = defaultdict(int)
    example: dict[tuple[int, int], str] = {}
    for author, text in texts:
        for handle in mentioned_handles(text):
            for target in sorted(handles.get(handle, ())):
                if target == author:
                    continue
                counts[(author, target)] += 1
                example.setdefault((author, target), f"@{handle}: {text.strip()[:120]}")
    best: dict[tuple[int, int, str], Relationship] = {}
    for (author, target), n in sorted(counts.items()):
        rel = _pair(author, target, "instagram_mention", 0.4 + 0.1 * n,
                    f"customer {author} mentioned {example[(author, target)]} ({n}x)")  # fmt: skip
        if rel is not None:
            _keep(best, rel)
    return list(best.values())


def referral_relationships(
    referrals: Iterable[tuple[int, str]], names: Mapping[str, set[int]]
) -> list[Relationship]:
    """Customers whose referral field or note (``(customer_key, text)``) names another customer.

    A referral field holds the referrer's name, e-mail or @handle; a note says "referred by X" or
    "referral from X". ``names`` maps a normalised business name, e-mail or @handle to the
    customers holding it; a name held by several customers splits the strength between them.
    """
    best: dict[tuple[int, int, str], Relationship] = {}
    for customer, text in referrals:
        for referrer in referrers(text):
            keys = names.get(referrer, set()) - {customer}
            if not keys or len(keys) > 3:
                continue
            for other in sorted(keys):
                rel = _pair(customer, other, "referral", BASE_STRENGTH["referral"] / len(keys),
                            f"customer {customer}'s record says referred by {referrer!r}")  # fmt: skip
                if rel is not None:
                    _keep(best, rel)
    return list(best.values())


def referral_notes(payload: Any) -> list[str]:
    """The referral fields and notes of a landed record: each top-level text whose field is named like
    ``Referred By`` or whose text says "referred by X" / "referral from X"."""
    if not isinstance(payload, Mapping):
        return []
    return [
        value
        for field, value in payload.items()
        if isinstance(value, str)
        and value.strip()
        and (_REFERRAL.search(str(field)) or _REFERRAL.search(value))
    ]


def referrers(text: str) -> set[str]:
    """The referrer keys one referral value or note may name (business name, e-mail, @handle)."""
    text = (text or "").strip()
    if not text:
        return set()
    found = {m.group(1) for m in _REFERRAL_NOTE.finditer(text)} or {text}
    keys: set[str] = set()
    for value in found:
        email = normalise_email(value)
        if email:
            keys.add(email)
        keys.update(f"@{h.lower()}" for h in _HANDLE.findall(value))
        name = normalise_business_name(value)
        if name:
            keys.add(name)
    return keys


def _names(record: Mapping[str, Any]) -> set[str]:
    """The normalised business name, e-mail and @handle a referral may name this record's customer by."""
    values = (
        normalise_business_name(record.get("company_name") or record.get("display_name")),
        normalise_email(record.get("email")),
        f"@{str(record['instagram_handle']).lower()}" if record.get("instagram_handle") else None,
    )
    return {v for v in values if v}


def merge(*groups: Iterable[Relationship]) -> list[Relationship]:
    """All relationships, one per (pair, kind) (the strongest), sorted by key pair and kind."""
    best: dict[tuple[int, int, str], Relationship] = {}
    for group in groups:
        for rel in group:
            _keep(best, rel)
    return [best[k] for k in sorted(best)]
