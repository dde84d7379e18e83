"""The sales team's spreadsheets: ``leads.xlsx`` (accounts and leads) and ``activities.csv`` (their log).

Values are what people type: phones in every format (some stored as numbers, losing the leading
zero), values as numbers or "£1,200", dates as Excel dates or "03/04/2024" text, owners by first name.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook

from pipeline.demo_data import noise
from pipeline.demo_data.market import DAYS, Market
from pipeline.demo_data.reference import CATEGORIES, PRODUCTS, REGIONS, TOWNS
from pipeline.demo_data.world import Population
from pipeline.demo_data.writers import CsvWriter, Truth

logger = logging.getLogger(__name__)

LEADS_SOURCE: Final = "sales_leads"
ACTIVITIES_SOURCE: Final = "sales_activities"
LEAD_COLUMNS: Final = [
    "Lead ID", "Company", "Contact", "Email", "Phone", "Town", "Region", "Status", "Est. Value (£)", "Owner",
    "Last Contact", "Notes",
]  # fmt: skip
ACTIVITY_COLUMNS: Final = ["Date", "Type", "Account", "Contact", "Email", "Rep", "Notes"]
_OPEN_STATUSES: Final = ("new", "contacted", "qualified", "proposal", "lost")
_OPEN_WEIGHTS: Final = (0.25, 0.25, 0.2, 0.1, 0.2)
_NOTES: Final = {
    "Call": ("Called re: {p} reorder, will confirm by Friday", "Chased overdue invoice", "Left voicemail",
             "Discussed bulk pricing on {c}", "Asked about next-day delivery to {t}"),
    "Email": ("Sent price list for {c}", "Emailed quote for {n} x {p}", "Sent new catalogue", "Followed up on quote"),
    "Visit": ("Site visit, walked the stores room; interested in {c}", "Dropped samples of {p}",
              "Quarterly review meeting, happy with service"),
    "Complaint": ("Delivery of {p} arrived damaged", "Order short by {n} cases of {p}", "Invoice query - charged twice",
                  "Late delivery again, unhappy, mentioned looking at other suppliers",
                  "Wrong item sent ({p}), wants refund", "Price increase on {c} not agreed, considering alternatives"),
}  # fmt: skip
_LEAD_NOTES: Final = ("", "", "Met at trade show", "Referral from existing customer", "Inbound web enquiry",
                      "Wants samples of {c}", "Currently buys from a competitor", "Budget review in Q{q}")  # fmt: skip


def note(r: random.Random, template: str, town: str) -> str:
    """Fill a note template with a product, category, town and quantity."""
    p = r.choice(PRODUCTS)
    return template.format(
        p=p.name, c=r.choice(CATEGORIES).lower(), t=town, n=r.randint(2, 40), q=r.randint(1, 4)
    )


class SheetsWriter:
    """Streams lead rows into an openpyxl write-only workbook and activity rows into a CSV."""

    def __init__(self, root: Path, market: Market, truth: Truth) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / "leads.xlsx"
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("Leads")
        self.sheet.append(LEAD_COLUMNS)
        self.activities = CsvWriter(root / "activities.csv", ACTIVITY_COLUMNS)
        self.market = market
        self.truth = truth
        self.leads = 0

    def lead_row(self, values: list[Any], customer: str) -> str:
        """Append one row as-is; returns its key (the Lead ID)."""
        self.sheet.append(values)
        self.leads += 1
        self.truth.record(LEADS_SOURCE, "Lead", str(values[0]), customer)
        return str(values[0])

    def next_lead_id(self) -> str:
        return f"L-{self.leads + 1:06d}"

    def activity_row(self, values: list[str], customer: str) -> str:
        key = f"line-{self.activities.add(values)}"
        self.truth.record(ACTIVITIES_SOURCE, "Activity", key, customer)
        return key

    def write_chunk(self, r: random.Random, pop: Population) -> None:
        start = self.market.start
        for i in range(len(pop)):
            town = TOWNS[pop.town[i]].name
            contact_name = noise.person(r, pop.given[i], pop.family[i])
            if pop.in_leads[i]:
                self._lead(r, pop, i, town, contact_name)
            buyer = bool(pop.buyer[i])
            if not (buyer or pop.in_leads[i]):
                continue
            lo = max(int(pop.acquired_day[i]), 0) if buyer else 0
            hi = int(pop.churn_day[i]) if buyer else DAYS
            count = min(int(r.expovariate(1 / (3.0 if buyer else 2.0))), 40)
            kinds = [
                r.choices(("Call", "Email", "Visit", "Complaint"), (0.4, 0.35, 0.2, 0.05))[0]
                for _ in range(count)
            ]
            days = [r.randrange(lo, max(hi, lo + 1)) for _ in kinds]
            if buyer and hi < DAYS and r.random() < 0.6:  # churners complain before they go
                for _ in range(r.randint(1, 3)):
                    kinds.append("Complaint")
                    days.append(max(lo, hi - r.randint(1, 120)))
            for kind, day in sorted(zip(kinds, days, strict=True), key=lambda kd: kd[1]):
                when = dt.datetime.combine(
                    start + dt.timedelta(days=min(day, DAYS - 1)),
                    dt.time(8 + r.randrange(10), r.randrange(60)),
                )
                text = (
                    when.strftime("%d/%m/%Y %H:%M") if r.random() < 0.8 else when.strftime("%Y-%m-%d %H:%M")
                )
                account = noise.company(r, pop.core[i], pop.suffix[i], 0.06) if r.random() < 0.9 else ""
                email = pop.email[i] if r.random() < 0.6 or not account else ""
                self.activity_row(
                    [text, kind if r.random() < 0.9 else kind.lower(), account, contact_name if r.random() < 0.7 else "",
                     noise.email(r, email) if email else "", pop.rep[i], note(r, r.choice(_NOTES[kind]), town)],
                    pop.true_id(i),
                )  # fmt: skip

    def _lead(self, r: random.Random, pop: Population, i: int, town: str, contact: str) -> None:
        buyer = bool(pop.buyer[i])
        status = "won" if buyer else r.choices(_OPEN_STATUSES, _OPEN_WEIGHTS)[0]
        value: Any = round(r.lognormvariate(7.5, 0.9), -1)
        roll = r.random()
        if roll < 0.2:
            value = f"£{value:,.0f}"
        elif roll < 0.3:
            value = None
        phone: Any = noise.phone(r, pop.phone[i])
        if r.random() < 0.03:
            phone = int(pop.phone[i])  # Excel ate the leading zero
        elif r.random() < 0.08:
            phone = None
        last_day = int(pop.acquired_day[i]) if buyer and pop.acquired_day[i] >= 0 else r.randrange(DAYS)
        last: Any = dt.datetime.combine(self.market.day(last_day), dt.time())
        if r.random() < 0.3:
            last = last.strftime("%d/%m/%Y")
        owner = pop.rep[i] if r.random() < 0.8 else pop.rep[i].split()[0]
        region = REGIONS[pop.region[i]] if r.random() < 0.85 else None
        self.lead_row(
            [self.next_lead_id(), noise.company(r, pop.core[i], pop.suffix[i], 0.06), contact,
             noise.email(r, pop.email[i]) if r.random() < 0.85 else None, phone, noise.town(r, town), region,
             status if r.random() < 0.9 else status.title(), value, owner, last, note(r, r.choice(_LEAD_NOTES), town)],
            pop.true_id(i),
        )  # fmt: skip

    def close(self) -> dict[str, int]:
        self.book.save(self.path)
        self.activities.close()
        return {"Lead": self.leads, "Activity": self.activities.count}
