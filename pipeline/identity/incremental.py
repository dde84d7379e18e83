"""Match one new record against the existing golden customers, without a batch re-run.

``GoldenIndex`` is built once from the warehouse (every staged customer record and its golden key
from ``customer_xref``): the records standardised as the batch standardises them, lookup tables for
the batch's blocking keys plus the company e-mail domain, term frequencies, and the trained model
(the batch's Splink model JSON, or one trained on the same records). ``match_record`` then looks up
the candidates sharing a key with the new record, applies the batch's deterministic rules (same
e-mail or phone) and scores the rest with the model's comparison levels and m/u values, in
Python. As in the batch, a customer holding a different phone, company e-mail domain or postcode
is never matched: two businesses can share a trading name.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipeline.identity.business import NAME_ONLY
from pipeline.identity.comparisons import AREA_CHARACTERS
from pipeline.identity.customers import CUSTOMER_FIELDS, CUSTOMER_SETTINGS, customer_frame, customer_record
from pipeline.identity.engine import MatchSettings, _prepare, train_model
from pipeline.identity.errors import MatchingError, RegionError
from pipeline.identity.fields import RECORD_ID, FieldMap
from pipeline.identity.model import (
    CONFLICT_COLUMNS,
    DETERMINISTIC_FIELDS,
    FORMAL_GIVEN_NAME,
    KEY_COLUMNS,
    model_spec,
)
from pipeline.identity.nicknames import formal_name
from pipeline.identity.params import ModelParams
from pipeline.identity.prepare import standardisers
from pipeline.identity.scoring import PairScorer, Score
from pipeline.identity.standardise import FREE_MAIL_DOMAINS, normalise_phone
from pipeline.identity.typos import compatible
from pipeline.quality import standardise as quality

logger = logging.getLogger(__name__)

#: Records looked at per blocking key at most (a chain's trading name on hundreds of rows).
MAX_BLOCK: Final = 300
_PHONE_PUNCTUATION: Final = re.compile(r"[\s\-().]")


@dataclass(frozen=True)
class MatchResult:
    """The golden customer a record belongs to (``None``: a new customer), how sure, and why."""

    customer_key: int | None
    probability: float
    evidence: tuple[str, ...]
    record_id: str | None = None
    """The existing record that decided the match."""


@dataclass(frozen=True)
class _Best:
    probability: float
    weight: float
    record: int
    why: str


class GoldenIndex:
    """Existing customer records, standardised, with blocking lookups, for single-record matching."""

    def __init__(
        self,
        frame: pd.DataFrame,
        keys: Mapping[str, int],
        model: ModelParams,
        fields: FieldMap = CUSTOMER_FIELDS,
        settings: MatchSettings = CUSTOMER_SETTINGS,
    ) -> None:
        """``frame``: the engine's input records (``customer_frame``); ``keys``: record id -> golden key."""
        self.fields, self.settings, self.model = fields, settings, model
        self.present = fields.present()
        std = _prepare([frame], fields, settings, self.present).drop(columns=["side"])
        std = std[std[RECORD_ID].isin(keys.keys())].reset_index(drop=True)
        self.records: list[dict[str, Any]] = [
            {str(k): (None if v is None or v is pd.NA or v != v else v) for k, v in r.items()}
            for r in std.astype(object).to_dict("records")
        ]
        self.keys = [int(keys[r[RECORD_ID]]) for r in self.records]
        self.rules = [*model_spec(self.present).blocking_columns, ("email_domain",)]
        if "business_name" in self.present:  # last: only looked up when no other key finds a candidate
            self.rules.append(("business_name_prefix",))
        self.blocks: dict[tuple[int, tuple[Any, ...]], list[int]] = defaultdict(list)
        for i, rec in enumerate(self.records):
            for n, rule in enumerate(self.rules):
                values = tuple(rec.get(c) for c in rule)
                if all(v is not None for v in values):
                    self.blocks[(n, values)].append(i)
        self.shared = {
            field: set(std.loc[std[field].notna() & std[key].isna(), field])
            for field, key in KEY_COLUMNS.items()
            if field in std.columns
        }
        tf_columns = {lv.tf_column for c in model.comparisons for lv in c.levels if lv.tf_column}
        self.scorer = PairScorer(
            model, {c: dict(std[c].value_counts(normalize=True)) for c in tf_columns if c in std.columns}
        )
        self.person_scorer: PairScorer | None = None
        if model.person is not None:  # person pairs: the person model, with the person records' frequencies
            mine = std[std["business_name"].isna()] if "business_name" in std.columns else std
            person_tf = {lv.tf_column for c in model.person.comparisons for lv in c.levels if lv.tf_column}
            try:
                self.person_scorer = PairScorer(
                    model.person,
                    {c: dict(mine[c].value_counts(normalize=True)) for c in person_tf if c in mine.columns},
                )
            except MatchingError as e:  # a level scoring.py cannot read: person pairs by the business model
                logger.warning("person model not usable for single records, business model used: %s", e)
        self.conflicts: dict[int, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
        for rec, key in zip(self.records, self.keys, strict=True):
            if self.is_person(rec):  # as in the batch: a person's phone or postcode is evidence only
                continue
            for col in CONFLICT_COLUMNS:
                if rec.get(col) is not None:
                    self.conflicts[key][col].add(rec[col])
        self._standardisers: dict[str | None, dict[str, Any]] = {}
        logger.info(
            "golden index: %d records of %d customers, %d blocking keys",
            len(self.records), len(set(self.keys)), len(self.blocks),
        )  # fmt: skip

    def is_person(self, rec: Mapping[str, Any]) -> bool:
        """Whether ``rec`` is scored as a person: the model has a person model and ``rec`` no business name."""
        return self.person_scorer is not None and rec.get("business_name") is None

    def score(self, rec: Mapping[str, Any], other: Mapping[str, Any]) -> Score:
        """The pair's score: by the person model for two person records, else by the (business) model."""
        if self.person_scorer is not None and self.is_person(rec) and self.is_person(other):
            return self.person_scorer.score(rec, other)
        return self.scorer.score(rec, other)

    def _country(self, record: Mapping[str, Any]) -> str | None:
        """The record's country (its ``country`` column, read by the quality rule), else the run's region."""
        raw = _text(record.get(self.fields.country)) if self.fields.country else None
        try:
            code = quality.country(raw)
        except quality.InvalidValue:
            logger.warning(
                "record %r: country %r is not known; read for %s",
                record.get(self.fields.record_id or ""),
                raw,
                self.settings.region,
            )
            code = None
        return code or self.settings.region

    @classmethod
    def from_warehouse(
        cls, conn: Connection, model: ModelParams | None = None, settings: MatchSettings = CUSTOMER_SETTINGS
    ) -> GoldenIndex:
        """The index of every staged customer record with a golden key; trains the model if none is given."""
        from warehouse.schema import customer_xref, stg_customer

        query = sa.select(stg_customer, customer_xref.c.customer_key).join(
            customer_xref,
            (customer_xref.c.source == stg_customer.c.source)
            & (customer_xref.c.source_key == stg_customer.c.source_key),
        )
        rows = [
            dict(r)
            for r in conn.execute(query.order_by(stg_customer.c.source, stg_customer.c.source_key)).mappings()
        ]
        frame = customer_frame(rows)
        keys = dict(zip(frame[RECORD_ID], (int(r["customer_key"]) for r in rows), strict=True))
        if model is None:
            model = train_model(frame, CUSTOMER_FIELDS, settings)
        return cls(frame, keys, model, CUSTOMER_FIELDS, settings)

    def standardise(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """One input record (``fields``' column names) standardised like the batch, with derived key columns."""
        out: dict[str, Any] = {
            RECORD_ID: record.get(self.fields.record_id) if self.fields.record_id else None
        }
        country = self._country(record)
        if country not in self._standardisers:
            self._standardisers[country] = standardisers(country, self.settings.day_first)
        funcs = self._standardisers[country]
        for field, column in self.fields.mapped().items():
            raw = _text(record.get(column))
            if raw is None:
                out[field] = None
            elif field == "phone":
                if country is None:
                    raise RegionError(
                        f"record {out[RECORD_ID]!r}: a phone number (column {column!r}) but no country and no "
                        "region to read it for; set MatchSettings.region"
                    )
                out[field] = normalise_phone(_PHONE_PUNCTUATION.sub("", raw) or None, country)
            else:
                out[field] = funcs[field](raw)
        for field, key in KEY_COLUMNS.items():
            if field in out:
                out[key] = None if out[field] in self.shared.get(field, ()) else out[field]
        if out.get("business_name") is not None:
            out["business_name_prefix"] = out["business_name"][:4]
        if "given_name" in out:
            out[FORMAL_GIVEN_NAME] = formal_name(out["given_name"])
        if "postcode" in out:
            out["postcode_area"] = out["postcode"][:AREA_CHARACTERS] if out["postcode"] else None
        if "email" in out:
            domain = out["email"].split("@", 1)[1] if out["email"] else None
            out["email_domain"] = None if domain in FREE_MAIL_DOMAINS else domain
        if "account_owner" in out:
            out[NAME_ONLY] = all(out.get(c) is None for c in ("email", "phone", "street", "postcode"))
        return out

    def candidates(self, rec: Mapping[str, Any]) -> list[int]:
        """Positions of indexed records sharing a blocking key with ``rec`` (itself excluded)."""
        found: set[int] = set()
        for n, rule in enumerate(self.rules):
            if rule == ("business_name_prefix",) and found:
                break  # a trading name with a typo and nothing else: fall back to its first four letters
            values = tuple(rec.get(c) for c in rule)
            if all(v is not None for v in values):
                found.update(self.blocks.get((n, values), ())[:MAX_BLOCK])
        own = rec.get(RECORD_ID)
        return sorted(i for i in found if own is None or self.records[i][RECORD_ID] != own)

    def conflict(self, rec: Mapping[str, Any], key: int) -> str | None:
        """Why customer ``key`` cannot be ``rec``'s business (a different phone, company domain or postcode).

        A value one keying slip from the customer's (``typos.py``) is not different.
        """
        held = self.conflicts.get(key, {})
        for col in CONFLICT_COLUMNS:
            value, theirs = rec.get(col), held.get(col)
            if value is not None and theirs and not any(compatible(col, str(value), str(t)) for t in theirs):
                return (
                    f"{col} {value} differs from customer {key}'s {', '.join(sorted(map(str, theirs))[:3])}"
                )
        return None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def match_record(record: Mapping[str, Any], index: GoldenIndex) -> MatchResult:
    """The golden customer ``record`` (a ``stg_customer``-shaped row) belongs to, by the batch's rules and model.

    Same e-mail or phone (not one shared by many businesses) decides at probability 1; otherwise the
    best-scoring candidate's customer wins if its probability reaches the batch's threshold. Customers
    whose phone, company e-mail domain or postcode differ from the record's are excluded.
    """
    rec = index.standardise(customer_record(record) if index.fields is CUSTOMER_FIELDS else record)
    best: dict[int, _Best] = {}
    for i in index.candidates(rec):
        other = index.records[i]
        rule = next(
            (f for f in DETERMINISTIC_FIELDS if f in KEY_COLUMNS and rec.get(KEY_COLUMNS[f]) is not None
             and rec.get(KEY_COLUMNS[f]) == other.get(KEY_COLUMNS[f])),
            None,
        )  # fmt: skip
        if rule is not None:
            p, w, why = 1.0, float("inf"), f"rule:{rule}"
        else:
            s = index.score(rec, other)
            p, w = s.probability, s.weight
            top = sorted(s.levels, key=lambda x: -abs(x[2]))[:4]
            why = f"p={p:.3f}: " + "; ".join(f"{label} ({bits:+.1f})" for _, label, bits in top)
        key = index.keys[i]
        if key not in best or (p, w) > (best[key].probability, best[key].weight):
            best[key] = _Best(p, w, i, why)
    evidence: list[str] = []
    ranked = sorted(best.items(), key=lambda kv: (-kv[1].probability, -kv[1].weight, kv[0]))
    threshold = index.settings.threshold
    for key, b in ranked:
        rid = str(index.records[b.record][RECORD_ID])
        if b.probability < threshold:
            break
        reason = index.conflict(rec, key)
        if reason is not None and not index.is_person(rec):
            evidence.append(f"customer {key} not matched ({rid}, {b.why}): {reason}")
            continue
        evidence.insert(0, f"customer {key} via {rid}: {b.why}")
        return MatchResult(key, b.probability, tuple(evidence), rid)
    top_p = ranked[0][1].probability if ranked else 0.0
    if not evidence:
        evidence.append(
            f"no candidate reached p>={threshold} (best p={top_p:.3f})"
            if ranked
            else "no candidate shares a key"
        )
    return MatchResult(None, top_p, tuple(evidence))
