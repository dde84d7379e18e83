"""The true customers of the demo world, generated a chunk at a time with numpy.

A :class:`Population` is the ground truth for one chunk of customers: who they really are, where,
which rep owns them, whether and when they buy, churn, and which sources know them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from pipeline.demo_data.market import DAYS, Market
from pipeline.demo_data.reference import (
    ADJECTIVES,
    GIVEN_NAMES,
    LEGAL_SUFFIXES,
    REGION_WEIGHTS,
    REGIONS,
    REPS,
    SEGMENTS,
    STREET_TYPES,
    STREETS,
    SURNAMES,
    TOWNS,
)

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

BUYER_SHARE: Final = 0.75
CHURN_SHARE: Final = 0.18
SEGMENT_NAMES: Final = tuple(SEGMENTS)
_REGION_REPS: Final = {r: [rep for rep, regions in REPS.items() if r in regions] for r in REGIONS}
_POSTCODE_LETTERS: Final = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_INSTAGRAM_SHARE: Final = {"hospitality": 0.45, "retail": 0.35, "cleaning": 0.12, "healthcare": 0.08}


def customer_id(index: int) -> str:
    """The true id of the ``index``-th customer, as written in ``truth/``."""
    return f"C{index:07d}"


@dataclass
class Population:
    """Ground truth for customers ``first .. first+len-1``."""

    first: int
    town: IntArray
    region: IntArray
    segment: IntArray
    rep: list[str]
    company: list[str]  # canonical legal name
    core: list[str]  # name without the legal suffix
    suffix: list[str]
    given: list[str]
    family: list[str]
    email: list[str]
    domain: list[str]
    website: list[str | None]
    phone: list[str]  # national format digits, e.g. 02079460123
    street: list[str]
    street_short: list[str]
    postcode: list[str]
    handle: list[str | None]
    buyer: BoolArray
    acquired_day: IntArray  # -1 = customer before the window opened
    churn_day: IntArray  # DAYS = never churns
    campaign: IntArray  # campaign index that acquired them, -1 = none
    rate: FloatArray  # expected orders per day while active
    size: FloatArray  # order-quantity multiplier
    created_days_before: IntArray  # for pre-window customers: how long before the window they joined
    in_leads: BoolArray
    in_directory: BoolArray
    in_instagram: BoolArray
    qbo_duplicate: BoolArray

    def __len__(self) -> int:
        return len(self.company)

    def true_id(self, i: int) -> str:
        return customer_id(self.first + i)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


def make_population(rng: np.random.Generator, first: int, n: int, market: Market) -> Population:
    """Draw ``n`` customers; ``rng`` must be the chunk's own generator so output is seed-deterministic."""
    region = rng.choice(len(REGIONS), n, p=np.array(REGION_WEIGHTS) / sum(REGION_WEIGHTS))
    town = np.empty(n, dtype=np.int64)
    for r, name in enumerate(REGIONS):
        idx = [i for i, t in enumerate(TOWNS) if t.region == name]
        w = np.array([TOWNS[i].weight for i in idx])
        mask = region == r
        town[mask] = np.array(idx)[rng.choice(len(idx), int(mask.sum()), p=w / w.sum())]
    seg_p = np.array([s[0] for s in SEGMENTS.values()])
    segment = rng.choice(len(SEGMENTS), n, p=seg_p / seg_p.sum())
    rep_pick = rng.integers(0, 2, n)
    rep = [
        _REGION_REPS[REGIONS[r]][k % len(_REGION_REPS[REGIONS[r]])]
        for r, k in zip(region, rep_pick, strict=True)
    ]

    given = [GIVEN_NAMES[i] for i in rng.integers(0, len(GIVEN_NAMES), n)]
    family = [SURNAMES[i] for i in rng.integers(0, len(SURNAMES), n)]
    pattern = rng.choice(4, n, p=[0.4, 0.15, 0.2, 0.25])
    s1 = rng.integers(0, len(SURNAMES), n)
    s2 = rng.integers(0, len(SURNAMES), n)
    adj = rng.integers(0, len(ADJECTIVES), n)
    trade_pick = rng.integers(0, 1000, n)
    suf_p = np.array([w for _, w in LEGAL_SUFFIXES])
    suf = rng.choice(len(LEGAL_SUFFIXES), n, p=suf_p / suf_p.sum())
    core: list[str] = []
    for i in range(n):
        trades = SEGMENTS[SEGMENT_NAMES[segment[i]]][2]
        trade = trades[trade_pick[i] % len(trades)]
        p = pattern[i]
        if p == 0:
            core.append(f"{SURNAMES[s1[i]]} {trade}")
        elif p == 1:
            core.append(f"{SURNAMES[s1[i]]} & {SURNAMES[s2[i]]}")
        elif p == 2:
            core.append(f"{TOWNS[town[i]].name} {trade}")
        else:
            core.append(f"{ADJECTIVES[adj[i]]} {trade}")
    suffix = [LEGAL_SUFFIXES[k][0] for k in suf]
    company = [f"{c} {s}" if s else c for c, s in zip(core, suffix, strict=True)]

    tld = rng.choice(3, n, p=[0.65, 0.25, 0.10])
    with_town = rng.random(n) < 0.5
    domain = [
        _slug(c)[:22] + (_slug(TOWNS[t].name)[:8] if wt else "") + (".co.uk", ".com", ".uk")[d]
        for c, t, wt, d in zip(core, town, with_town, tld, strict=True)
    ]
    email_kind = rng.choice(4, n, p=[0.45, 0.2, 0.25, 0.1])
    email = []
    for i in range(n):
        g, f, k = given[i].lower(), re.sub(r"[^a-z]", "", family[i].lower()), email_kind[i]
        local = (f"{g}.{f}", f"{g[0]}{f}", "info", ("accounts", "orders", "office")[i % 3])[k]
        email.append(f"{local}@{domain[i]}")
    website = [f"https://www.{d}" if w else None for d, w in zip(domain, rng.random(n) < 0.6, strict=True)]

    mobile = rng.random(n) < 0.15
    digits = rng.integers(10**7, 10**8, n)
    mob = rng.integers(10**8, 10**9, n)
    phone = []
    for i in range(n):
        t = TOWNS[town[i]]
        if mobile[i]:
            phone.append(f"07{'45789'[mob[i] % 5]}{mob[i] % 10**8:08d}")
            continue
        local_len = 10 - (len(t.area_code) - 1)
        rest = str(2 + digits[i] % 7) + f"{digits[i]:08d}"
        local = (t.local_prefix + rest)[:local_len]
        phone.append(t.area_code + local)

    number = rng.integers(1, 240, n)
    st = rng.integers(0, len(STREETS), n)
    stype = rng.choice(len(STREET_TYPES), n, p=[0.3, 0.25, 0.08, 0.07, 0.05, 0.12, 0.08, 0.05])
    unit_street = rng.random(n) < 0.3
    street, street_short = [], []
    for i in range(n):
        long_t, short_t = STREET_TYPES[stype[i]]
        prefix = f"Unit {number[i] % 40 + 1}, " if stype[i] >= 5 or unit_street[i] else f"{number[i]} "
        street.append(f"{prefix}{STREETS[st[i]]} {long_t}")
        street_short.append(f"{prefix}{STREETS[st[i]]} {short_t}")
    district = rng.integers(1, 20, n)
    sector = rng.integers(0, 10, n)
    unit = rng.integers(0, len(_POSTCODE_LETTERS), (n, 2))
    postcode = [
        f"{TOWNS[town[i]].postcode_area}{district[i]} {sector[i]}{_POSTCODE_LETTERS[unit[i, 0]]}"
        f"{_POSTCODE_LETTERS[unit[i, 1]]}"
        for i in range(n)
    ]

    ig_p = np.array([_INSTAGRAM_SHARE.get(SEGMENT_NAMES[s], 0.06) for s in segment])
    in_instagram = rng.random(n) < ig_p
    handle_style = rng.integers(0, 3, n)
    handle: list[str | None] = [
        (
            None
            if not ig
            else (_slug(c)[:24], _slug(c)[:18] + "_uk", _slug(c)[:16] + "." + _slug(TOWNS[t].name)[:8])[h]
        )
        for c, t, ig, h in zip(core, town, in_instagram, handle_style, strict=True)
    ]

    buyer = rng.random(n) < BUYER_SHARE
    acquisition = market.acquisition
    p_acq = min(0.9, float(acquisition.sum()) / (market.customers * BUYER_SHARE))
    acquired = buyer & (rng.random(n) < p_acq)
    cdf = np.cumsum(acquisition) / acquisition.sum()
    day = np.searchsorted(cdf, rng.random(n)).clip(0, DAYS - 1)
    acquired_day = np.where(acquired, day, -1).astype(np.int64)
    campaign = np.full(n, -1, dtype=np.int64)
    share = market.response[:, day] / np.maximum(acquisition[day], 1e-12)  # [campaign, customer]
    pick = rng.random(n)
    cum = np.cumsum(share, axis=0)
    won = pick < cum[-1]
    chosen = (pick[None, :] >= cum).sum(axis=0)
    campaign[acquired & won] = chosen[acquired & won]
    churner = buyer & (rng.random(n) < CHURN_SHARE)
    lo = np.maximum(acquired_day, 0) + 60
    churn_at = (lo + rng.random(n) * np.maximum(DAYS - 30 - lo, 1)).astype(np.int64)
    churn_day = np.where(churner & (lo < DAYS - 30), churn_at, DAYS).astype(np.int64)
    rate = np.exp(rng.normal(1.0, 1.0, n)).clip(0.3, 250.0) / 365.0
    size = np.exp(rng.normal(0.0, 0.6, n))
    created = rng.integers(1, 3650, n)

    in_leads = np.where(buyer, rng.random(n) < 0.25, rng.random(n) < 0.7)
    in_directory = np.where(buyer, rng.random(n) < 0.35, rng.random(n) < 0.6)
    orphan = ~buyer & ~in_leads & ~in_instagram
    in_directory = in_directory | orphan
    qbo_duplicate = buyer & (rng.random(n) < 0.05)
    return Population(
        first, town, region, segment, rep, company, core, suffix, given, family, email, domain, website, phone,
        street, street_short, postcode, handle, buyer, acquired_day, churn_day, campaign, rate, size, created,
        in_leads, in_directory, in_instagram, qbo_duplicate,
    )  # fmt: skip
