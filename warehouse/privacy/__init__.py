"""Privacy (GDPR and CCPA): consent per purpose, subject access export, erasure everywhere, retention, opt-outs."""

from __future__ import annotations

from warehouse.privacy.consent import (
    ACTION_PURPOSES,
    LAWFUL_BASES,
    PURPOSES,
    consents_for,
    exclude_opted_out,
    opted_out,
    opted_out_query,
    record_consent,
)
from warehouse.privacy.erase import ErasureReport, erase_subject
from warehouse.privacy.export import export_subject
from warehouse.privacy.pseudonym import pseudonym
from warehouse.privacy.requests import PrivacyError
from warehouse.privacy.retention import RetentionPolicy, RetentionReport, apply_retention
from warehouse.privacy.subject import Subject, find_subject
from warehouse.privacy.suppression import suppress_erased

__all__ = [
    "ACTION_PURPOSES",
    "LAWFUL_BASES",
    "PURPOSES",
    "ErasureReport",
    "PrivacyError",
    "RetentionPolicy",
    "RetentionReport",
    "Subject",
    "apply_retention",
    "consents_for",
    "erase_subject",
    "exclude_opted_out",
    "export_subject",
    "find_subject",
    "opted_out",
    "opted_out_query",
    "pseudonym",
    "record_consent",
    "suppress_erased",
]
