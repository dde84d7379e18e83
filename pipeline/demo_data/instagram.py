"""Instagram: customers' public business profiles (web GraphQL JSON) and comments on Miracle's posts.

``profiles.jsonl`` holds one ``{"graphql": {"user": ...}}`` document per line, with the profile's
recent posts; ``comments.jsonl`` holds one ``shortcode_media`` comment page per line for Miracle's own
posts. Comment text carries sentiment: churners complain, most others praise.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path
from typing import Any, Final

from pipeline.demo_data import noise
from pipeline.demo_data.market import DAYS, Market
from pipeline.demo_data.reference import MIRACLE_HANDLE, PRODUCTS, SEGMENTS, TOWNS
from pipeline.demo_data.world import SEGMENT_NAMES, Population
from pipeline.demo_data.writers import CsvWriter, JsonLinesWriter, Truth

logger = logging.getLogger(__name__)

SOURCE: Final = "instagram"
MIRACLE_ID: Final = "5511238740"
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_PRAISE: Final = ("Love the {p}, great quality 👍", "Fast delivery as always, thanks team!", "The {p} are brilliant",
                  "Best supplier we've used for {c}", "Brilliant service from our rep, highly recommend")  # fmt: skip
_COMPLAINT: Final = ("Ordered {p} two weeks ago and still nothing. Not impressed", "Poor quality {p}, half of them broke",
                     "Customer service never answers the phone 😡", "Prices keep going up, looking elsewhere",
                     "Wrong order delivered AGAIN. Disappointed")  # fmt: skip
_NEUTRAL: Final = ("Do you deliver to {t}?", "Is the {p} available in bulk?", "What are your opening hours?")
_CAPTIONS: Final = ("New week, fresh start at {n}! ☀️", "Look at our newly refurbished space #smallbusiness",
                    "Stocked up on {p} from @" + MIRACLE_HANDLE + " - thanks for the quick delivery!",
                    "Still waiting on our @" + MIRACLE_HANDLE + " order... not ideal",
                    "Team photo! Proud of everyone at {n}", "Open all weekend in {t} - come and see us")  # fmt: skip


def shortcode(n: int) -> str:
    """A stable 11-character Instagram-like shortcode for the n-th post."""
    x = (n * 2654435761 + 97) % (64**11)
    return "".join(_ALPHABET[(x >> (6 * k)) & 63] for k in range(11))


class InstagramWriter:
    """Writes profiles with their posts, and Miracle's posts' comment pages."""

    def __init__(self, root: Path, truth_dir: Path, market: Market, truth: Truth, seed: int) -> None:
        self.profiles = JsonLinesWriter(root / "profiles.jsonl")
        self.comments = JsonLinesWriter(root / "comments.jsonl")
        self.sentiment = CsvWriter(truth_dir / "comment_sentiment.csv", ["comment_id", "sentiment"])
        self.market = market
        self.truth = truth
        r = random.Random(seed * 31 + 5)  # seeded demo data  # nosec B311
        t0 = dt.datetime.combine(market.start, dt.time(12), tzinfo=dt.UTC).timestamp()
        self.own_posts = [
            (shortcode(n), int(t0 + n * 3.5 * 86400 + r.randrange(36000))) for n in range(DAYS * 2 // 7)
        ]
        self.end_ts = int(
            dt.datetime.combine(market.day(DAYS - 1), dt.time(23, 59), tzinfo=dt.UTC).timestamp()
        )
        self.comment_count = 0
        self.post_count = 0

    def user_id(self, index: int) -> str:
        return str(7_000_000_000 + index * 13)

    def write_chunk(self, r: random.Random, pop: Population) -> None:
        pages: dict[int, list[dict[str, Any]]] = {}
        for i in range(len(pop)):
            handle = pop.handle[i]
            if handle is None:
                continue
            uid = self.user_id(pop.first + i)
            mood = -1 if pop.churn_day[i] < DAYS else (1 if r.random() < 0.75 else 0)
            self._profile(r, pop, i, uid, handle, mood)
            for _ in range(min(int(r.expovariate(1 / 1.5)), 12)):
                n = r.randrange(len(self.own_posts))
                page = pages.setdefault(n, [])
                page.append(self._comment(r, pop, i, uid, handle, n, mood))
        for n in sorted(pages):
            code, taken = self.own_posts[n]
            edges = [{"node": c} for c in pages[n]]
            self.comments.add({
                "data": {"shortcode_media": {
                    "id": str(3_100_000_000_000_000_000 + n), "shortcode": code, "taken_at_timestamp": taken,
                    "owner": {"id": MIRACLE_ID, "username": MIRACLE_HANDLE},
                    "edge_media_to_parent_comment": {
                        "count": len(edges), "page_info": {"has_next_page": False, "end_cursor": None}, "edges": edges},
                }},
                "status": "ok",
            })  # fmt: skip

    def _profile(self, r: random.Random, pop: Population, i: int, uid: str, handle: str, mood: int) -> None:
        town = TOWNS[pop.town[i]].name
        name = noise.company(r, pop.core[i], "", 0.02)
        posts: list[dict[str, Any]] = []
        for _ in range(r.randint(0, 12)):
            self.post_count += 1
            taken = r.randrange(self.end_ts - DAYS * 86400, self.end_ts)
            caption = r.choice(_CAPTIONS[:2] + _CAPTIONS[4:] + (_CAPTIONS[3] if mood < 0 else _CAPTIONS[2],))
            posts.append({"node": {
                "__typename": "GraphImage", "id": str(2_900_000_000_000_000_000 + self.post_count),
                "shortcode": shortcode(10**6 + self.post_count), "taken_at_timestamp": taken,
                "is_video": r.random() < 0.15, "edge_liked_by": {"count": int(r.paretovariate(1.5) * 8)},
                "edge_media_to_comment": {"count": int(r.expovariate(0.3))},
                "edge_media_to_caption": {"edges": [{"node": {"text": caption.format(
                    n=name, t=town, p=r.choice(PRODUCTS).name.lower())}}]},
            }})  # fmt: skip
        posts.sort(key=lambda e: -int(e["node"]["taken_at_timestamp"]))
        user: dict[str, Any] = {
            "id": uid, "username": handle, "full_name": name, "is_business_account": True, "is_private": False,
            "biography": f"{SEGMENTS[SEGMENT_NAMES[pop.segment[i]]][3]} in {town}. Est. {1990 + i % 33}.",
            "external_url": pop.website[i] if pop.website[i] and r.random() < 0.8 else None,
            "business_category_name": SEGMENTS[SEGMENT_NAMES[pop.segment[i]]][3],
            "business_email": noise.email(r, pop.email[i]) if r.random() < 0.5 else None,
            "business_phone_number": noise.phone(r, pop.phone[i], 2) if r.random() < 0.35 else None,
            "edge_followed_by": {"count": int(r.paretovariate(1.2) * 150)},
            "edge_follow": {"count": r.randrange(50, 900)},
            "edge_owner_to_timeline_media": {"count": len(posts) + r.randrange(0, 300), "edges": posts,
                                             "page_info": {"has_next_page": len(posts) == 12, "end_cursor": None}},
        }  # fmt: skip
        self.profiles.add({"graphql": {"user": user}})
        self.truth.record(SOURCE, "Profile", uid, pop.true_id(i))

    def _comment(
        self, r: random.Random, pop: Population, i: int, uid: str, handle: str, n: int, mood: int
    ) -> dict[str, Any]:
        self.comment_count += 1
        cid = str(17_800_000_000_000_000 + self.comment_count * 7)
        pool, label = {1: (_PRAISE, "positive"), 0: (_NEUTRAL, "neutral"), -1: (_COMPLAINT, "negative")}[mood]
        text = r.choice(pool).format(
            p=r.choice(PRODUCTS).name.lower(), c="cleaning supplies", t=TOWNS[pop.town[i]].name
        )
        created = min(self.own_posts[n][1] + r.randrange(60, 30 * 86400), self.end_ts)
        self.truth.record(SOURCE, "Comment", cid, pop.true_id(i))
        self.sentiment.add([cid, label])
        return {
            "id": cid, "text": text, "created_at": created, "did_report_as_spam": False,
            "owner": {"id": uid, "is_verified": False, "username": handle},
            "viewer_has_liked": False, "edge_liked_by": {"count": r.randrange(0, 6)},
        }  # fmt: skip

    def close(self) -> dict[str, int]:
        self.profiles.close()
        self.comments.close()
        self.sentiment.close()
        return {"Profile": self.profiles.count, "Comment": self.comment_count, "Post": self.post_count}
