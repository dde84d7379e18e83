"""Identity fields and the map from them to the columns of an input frame."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Final

import pandas as pd

from pipeline.identity.errors import FieldMapError, InputDataError

logger = logging.getLogger(__name__)

#: Identity fields in the order they appear in standardised frames.
IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "given_name",
    "family_name",
    "business_name",
    "email",
    "phone",
    "street_number",
    "street",
    "city",
    "postcode",
    "state",
    "date_of_birth",
    "national_id",
    "source_id",
    "account_owner",
)

#: Name of the record id column in standardised frames and outputs.
RECORD_ID: Final = "record_id"

#: Field-map entries that are not identity fields: the record id, and the country the record is read for.
_NOT_COMPARED: Final = ("record_id", "country")


@dataclass(frozen=True)
class FieldMap:
    """Which input column holds each identity field; ``None`` means the input lacks that field.

    ``record_id`` names the column holding a unique id per record; when ``None`` the row
    position is used. ``national_id`` is a government/tax id (compared fuzzily, never
    forcing a match); ``source_id`` is a source-system key such as a QuickBooks customer id
    (equal values force a match). ``account_owner`` is the sales rep who owns the account: only
    supporting evidence for records holding nothing but names (an activity row), never a match alone.
    ``country`` names the column holding each record's country (ISO alpha-2 or a name such as ``United
    Kingdom``): that record's phones, postcodes, streets and states are read for it, and a record without
    one is read for the run's region. It is not compared: it only says how to read the other fields.
    """

    record_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    business_name: str | None = None
    email: str | None = None
    phone: str | None = None
    street_number: str | None = None
    street: str | None = None
    city: str | None = None
    postcode: str | None = None
    state: str | None = None
    date_of_birth: str | None = None
    national_id: str | None = None
    source_id: str | None = None
    account_owner: str | None = None
    country: str | None = None

    def mapped(self) -> dict[str, str]:
        """Identity field -> input column, for the fields present, in ``IDENTITY_FIELDS`` order."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in _NOT_COMPARED and getattr(self, f.name) is not None
        }

    def present(self) -> frozenset[str]:
        """The identity fields this map provides."""
        return frozenset(self.mapped())

    def validate(self, df: pd.DataFrame, *, frame_name: str = "input") -> None:
        """Reject a map that names absent columns, maps no field, or a record id that is missing/duplicated."""
        if not self.mapped():
            raise FieldMapError("the field map maps no identity field; map at least one column")
        wanted = dict(self.mapped())
        for other in _NOT_COMPARED:
            if getattr(self, other) is not None:
                wanted[other] = getattr(self, other)
        missing = {f: c for f, c in wanted.items() if c not in df.columns}
        if missing:
            detail = ", ".join(f"{f} -> {c!r}" for f, c in missing.items())
            raise FieldMapError(
                f"{frame_name}: columns not found for {detail}; available columns: {list(df.columns)}"
            )
        if self.record_id is not None:
            ids = df[self.record_id]
            if ids.isna().any():
                row = int(ids.isna().to_numpy().nonzero()[0][0])
                raise InputDataError(
                    f"{frame_name}: row {row} has no record id (field record_id, column "
                    f"{self.record_id!r}, rule: every record needs an id)"
                )
            dup = ids[ids.duplicated()]
            if not dup.empty:
                raise InputDataError(
                    f"{frame_name}: record id {dup.iloc[0]!r} appears more than once (field record_id, "
                    f"column {self.record_id!r}, rule: record ids are unique)"
                )

    @classmethod
    def identity(cls, columns: list[str] | tuple[str, ...], record_id: str | None = None) -> FieldMap:
        """Map every identity field whose name is also a column name to that column."""
        kwargs = {f: f for f in IDENTITY_FIELDS if f in columns}
        return cls(record_id=record_id, **kwargs)
