"""The model for business records (company, contact person, e-mail, phone, address; no birth date).

Business records from several systems are partial: an activity row may hold only an account
name and an e-mail. Unsupervised EM on such a mix drifts to degenerate values (m = 1e-142 for
"names differ"), so this model fixes m, the chance that one business's records agree at each
level, from what clerks and systems do to a business's details; u (the chance that two
different businesses agree) is still measured on the data by random sampling. Ambiguity
between businesses sharing a trading name is left to the constrained clustering, which never
merges records holding different phones, web domains or postcodes (a phone or postcode one
keying slip away, or a ZIP+4 against its ZIP, is not different: ``typos.py``).
"""

from __future__ import annotations

import logging
from typing import Final

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator

from pipeline.identity.comparisons import PersonNameComparison, PhoneComparison, PostcodeComparison

logger = logging.getLogger(__name__)

#: m per non-null level, best level first. Contact names: exact, JW 0.92, JW 0.88, swapped,
#: JW 0.7 (an initial), else (another contact at the same business).
_M_GIVEN: Final = [0.75, 0.04, 0.02, 0.01, 0.08, 0.10]
_M_FAMILY: Final = [0.80, 0.05, 0.02, 0.01, 0.02, 0.10]
#: Business name after noise words: exact, JW 0.92 (a typo), JW 0.8, else (renamed, trading name).
_M_BUSINESS: Final = [0.80, 0.12, 0.05, 0.03]
#: E-mail: same address, same company domain (info@ vs jane@), else.
_M_EMAIL: Final = [0.55, 0.35, 0.10]
#: Phone: same, one digit wrong or two swapped, same last seven digits (new area code), else.
_M_PHONE: Final = [0.86, 0.03, 0.01, 0.10]
_M_STREET: Final = [0.75, 0.10, 0.05, 0.10]
_M_CITY: Final = [0.90, 0.03, 0.07]
#: Postcode: same, same area (ZIP5 against ZIP+4), one character wrong or two swapped, else.
_M_POSTCODE: Final = [0.85, 0.05, 0.04, 0.06]
#: Account owner (sales rep, by first name): same, else. Compared only when one record holds
#: nothing but names (``NAME_ONLY``); otherwise its identifiers decide and the rep is ignored.
_M_OWNER: Final = [0.90, 0.10]
#: Derived column: the record has no e-mail, phone, street or postcode (an activity row with an account name).
NAME_ONLY: Final = "name_only"


def is_business_set(present: frozenset[str]) -> bool:
    """Records described by a business name and no birth date use this model (and constrained clustering)."""
    return "business_name" in present and "date_of_birth" not in present


def _email_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email").configure(m_probability=_M_EMAIL[0]),
            cll.CustomLevel(
                "email_domain_l = email_domain_r", label_for_charts="same company e-mail domain"
            ).configure(m_probability=_M_EMAIL[1]),
            cll.ElseLevel().configure(m_probability=_M_EMAIL[2]),
        ],
    )


def _owner_comparison() -> ComparisonCreator:
    """Same sales rep: supporting evidence between same-named businesses, only for name-only records.

    A rep owns hundreds of accounts, so agreement alone never reaches a match (u ~ 1/reps); it
    tips a name-only activity row towards the same-named business its rep looks after.
    """
    return cl.CustomComparison(
        output_column_name="account_owner",
        comparison_levels=[
            cll.CustomLevel(
                f"account_owner_l IS NULL OR account_owner_r IS NULL OR NOT ({NAME_ONLY}_l OR {NAME_ONLY}_r)",
                label_for_charts="owner missing, or both records carry identifiers",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("account_owner").configure(m_probability=_M_OWNER[0]),
            cll.ElseLevel().configure(m_probability=_M_OWNER[1]),
        ],
    )


def business_comparisons(present: frozenset[str]) -> list[ComparisonCreator]:
    """Comparisons with fixed m for the business fields in ``present``."""
    out: list[ComparisonCreator] = []
    both = {"given_name", "family_name"} <= present
    if "given_name" in present:
        given = PersonNameComparison("given_name", "family_name" if both else None)
        out.append(given.configure(m_probabilities=_M_GIVEN if both else _M_GIVEN[:3] + _M_GIVEN[4:]))
    if "family_name" in present:
        family = PersonNameComparison("family_name", "given_name" if both else None)
        out.append(family.configure(m_probabilities=_M_FAMILY if both else _M_FAMILY[:3] + _M_FAMILY[4:]))
    out.append(
        cl.JaroWinklerAtThresholds("business_name", [0.92, 0.8]).configure(m_probabilities=_M_BUSINESS)
    )
    if "email" in present:
        out.append(_email_comparison())
    if "phone" in present:
        out.append(PhoneComparison("phone").configure(m_probabilities=_M_PHONE))
    if "street" in present:
        out.append(cl.LevenshteinAtThresholds("street", [1, 3]).configure(m_probabilities=_M_STREET))
    if "city" in present:
        out.append(cl.LevenshteinAtThresholds("city", [2]).configure(m_probabilities=_M_CITY))
    if "postcode" in present:
        out.append(PostcodeComparison("postcode").configure(m_probabilities=_M_POSTCODE))
    if "account_owner" in present:
        out.append(_owner_comparison())
    return out
