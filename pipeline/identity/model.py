"""The Fellegi–Sunter model specification: comparisons, blocking rules and training plan per field set.

Pure builders: given the identity fields a job has, return Splink creators. Nothing here
touches a database, so the same specification runs on DuckDB here and on Spark at scale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

import splink.comparison_library as cl
from splink import block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

from pipeline.identity.business import business_comparisons, is_business_set
from pipeline.identity.comparisons import (
    AddressComparison,
    PersonNameComparison,
    PhoneComparison,
    PostcodeComparison,
)

logger = logging.getLogger(__name__)

#: Columns holding identifying keys: the value only when at most ``max_shared`` records hold it,
#: so a switchboard number or ``info@`` address neither forces matches nor explodes a block.
KEY_COLUMNS: Final[dict[str, str]] = {
    "email": "email_key",
    "phone": "phone_key",
    "source_id": "source_id_key",
}

#: Identity fields whose equality forces a match (the deterministic rules), in priority order.
DETERMINISTIC_FIELDS: Final[tuple[str, ...]] = ("source_id", "email", "phone")

#: Derived column: the formal name a given name stands for (Bob -> robert; ``nicknames.py``).
FORMAL_GIVEN_NAME: Final = "given_name_formal"

#: Fields two different businesses never share: a cluster holding two phones, two web domains
#: or two postcodes is split rather than merged (business field sets only; see clustering.py).
CONFLICT_COLUMNS: Final[tuple[str, ...]] = ("phone_key", "email_domain", "postcode")

#: Compound blocking rules, each kept only if all its fields are present. Every rule is an
#: equi-join on selective columns, so the number of pairs grows roughly linearly with records.
_BLOCKING_RULES: Final[tuple[tuple[str, ...], ...]] = (
    ("email_key",),
    ("phone_key",),
    ("source_id_key",),
    ("national_id",),
    ("given_name", "family_name"),
    ("family_name", "date_of_birth"),
    ("given_name", "date_of_birth"),
    ("date_of_birth", "postcode"),
    ("date_of_birth", "street_number"),
    ("family_name", "postcode"),
    ("given_name", "postcode", "street_number"),
    ("street", "postcode"),
    ("date_of_birth", "postcode_area"),
    ("family_name", "postcode_area"),
    ("street", "postcode_area"),
    ("business_name",),
    ("business_name_prefix", "postcode"),
)

#: Rules for the probability that two random records match: near-certain matches.
_PRIOR_RULES: Final[tuple[tuple[str, ...], ...]] = (
    ("given_name", "family_name", "date_of_birth"),
    ("email_key",),
    ("phone_key",),
    ("business_name", "postcode"),
)

#: First EM session blocks on names; the second on something independent of names.
_EM_NAME_RULES: Final[tuple[tuple[str, ...], ...]] = (
    ("given_name", "family_name"),
    ("business_name",),
    ("family_name",),
)
_EM_OTHER_RULES: Final[tuple[tuple[str, ...], ...]] = (
    ("date_of_birth",),
    ("postcode",),
    ("email_key",),
    ("phone_key",),
    ("city",),
)


@dataclass(frozen=True)
class ModelSpec:
    """What Splink needs to train and score: comparisons, blocking and training rules."""

    comparisons: list[ComparisonCreator]
    blocking_rules: list[BlockingRuleCreator]
    prior_rules: list[BlockingRuleCreator]
    em_rules: list[BlockingRuleCreator]
    blocking_columns: list[tuple[str, ...]]


def comparisons_for(present: frozenset[str]) -> list[ComparisonCreator]:
    """One comparison per present identity field, suited to that field."""
    out: list[ComparisonCreator] = []
    both = {"given_name", "family_name"} <= present
    if "given_name" in present:
        out.append(PersonNameComparison("given_name", "family_name" if both else None, FORMAL_GIVEN_NAME))
    if "family_name" in present:
        out.append(PersonNameComparison("family_name", "given_name" if both else None))
    if "business_name" in present:
        out.append(
            cl.JaroWinklerAtThresholds("business_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            )
        )
    for exact in ("email", "date_of_birth", "street_number", "state", "source_id"):
        if exact == "state" and "postcode" in present:
            continue  # the postcode implies the state: comparing both counts one fact twice
        if exact in present:
            out.append(cl.ExactMatch(exact))
    if "phone" in present:
        out.append(PhoneComparison("phone"))
    if {"street", "postcode"} <= present:
        out.append(AddressComparison("street", "postcode"))  # one address, not two agreements
    elif "street" in present:
        out.append(cl.LevenshteinAtThresholds("street", [1, 3]))
    elif "postcode" in present:
        out.append(PostcodeComparison("postcode"))
    if "city" in present:
        out.append(cl.LevenshteinAtThresholds("city", [2]).configure(term_frequency_adjustments=True))
    if "national_id" in present:
        out.append(cl.LevenshteinAtThresholds("national_id", [1, 2]))
    return out


def _columns_available(present: frozenset[str]) -> frozenset[str]:
    """Identity fields plus the derived key/prefix columns the prepared frame will carry."""
    cols = set(present)
    cols.update(KEY_COLUMNS[f] for f in KEY_COLUMNS if f in present)
    if "business_name" in present:
        cols.add("business_name_prefix")
    if "postcode" in present:
        cols.add("postcode_area")
    if "given_name" in present:
        cols.add(FORMAL_GIVEN_NAME)
    if "email" in present:
        cols.add("email_domain")
    return frozenset(cols)


def _rules(candidates: tuple[tuple[str, ...], ...], cols: frozenset[str]) -> list[tuple[str, ...]]:
    return [rule for rule in candidates if set(rule) <= cols]


def model_spec(present: frozenset[str]) -> ModelSpec:
    """The model for records carrying the identity fields in ``present``."""
    cols = _columns_available(present)
    blocking = _rules(_BLOCKING_RULES, cols)
    if not blocking:
        raise ValueError(f"no blocking rule can be built from fields {sorted(present)}")
    prior = _rules(_PRIOR_RULES, cols) or blocking[:1]
    if is_business_set(present):  # m fixed, no EM: see business.py
        return ModelSpec(
            comparisons=business_comparisons(present),
            blocking_rules=[block_on(*rule) for rule in blocking],
            prior_rules=[block_on(*rule) for rule in prior],
            em_rules=[],
            blocking_columns=blocking,
        )
    comparisons = comparisons_for(present)
    em: list[tuple[str, ...]] = []
    names = _rules(_EM_NAME_RULES, cols)
    others = _rules(_EM_OTHER_RULES, cols)
    if names:
        em.append(names[0])
    for rule in others:
        if not em or not set(rule) & set(em[0]):
            em.append(rule)
            break
    if not em:
        em.append(blocking[0])
    em_rules: list[BlockingRuleCreator] = [block_on(*rule) for rule in em]
    if "business_name" in present and "business_name" not in em[0]:
        # Businesses have no person name or birth date, so the sessions above never see a
        # business pair. Train business_name on business pairs only: person pairs here would
        # teach EM "same household" instead of "same person".
        where = next((r[0] for r in _rules((("postcode",), ("city",), ("phone_key",)), cols)), None)
        if where is not None:
            em_rules.append(
                CustomRule(
                    f"l.{where} = r.{where} and l.business_name is not null and r.business_name is not null"
                )
            )
    logger.debug("blocking rules %s; EM sessions %s", blocking, em)
    return ModelSpec(
        comparisons=comparisons,
        blocking_rules=[block_on(*rule) for rule in blocking],
        prior_rules=[block_on(*rule) for rule in prior],
        em_rules=em_rules,
        blocking_columns=blocking,
    )
