"""Golden names and addresses: the clean spelling most records agree on, in standard case, written out."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.identity.display import display_value, expand_street, legal_suffix, standard_case
from pipeline.identity.survivorship import build_vocabulary, survive

ENTITIES = ("Customer", "Lead", "Listing", "Profile", "Contact")


def _records(field: str, *values: str) -> list[dict[str, Any]]:
    """One record per value, the first the most trusted (an accounting record)."""
    return [
        {"source": f"s{i}", "source_key": str(i), "entity": ENTITIES[min(i, 4)], field: v}
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("PRICE COLLEGE", "Price College"),
        ("newcastle upon tyne", "Newcastle upon Tyne"),
        ("STOKE-ON-TRENT", "Stoke-on-Trent"),
        ("MCKENZIE & O'BRIEN LLP", "McKenzie & O'Brien LLP"),
        ("iPhone Fix", "iPhone Fix"),  # mixed case is kept as written
    ],
)
def test_standard_case(written: str, shown: str) -> None:
    assert standard_case(written) == shown


def test_streets_are_written_out_and_suffixes_in_their_usual_form() -> None:
    assert display_value("street", "UNIT 40, STATION RD") == "Unit 40, Station Road"
    assert expand_street("228, Queen Rd.") == "228 Queen Road"
    assert expand_street("St Mary's Ave") == "St Mary's Avenue"  # a saint, not a street
    assert expand_street("12 High St") == "12 High Street"
    assert legal_suffix("Derby Joinery LTD") == "Derby Joinery Ltd"
    assert legal_suffix("Barker Hygiene Ltd.") == "Barker Hygiene Ltd"


def test_a_lower_case_accounting_record_loses_to_four_sources_agreeing() -> None:
    chosen = survive(_records("company_name", "price college", *["Price College"] * 4))
    assert chosen["company_name"].value == "Price College"
    assert chosen["company_name"].source_key != "0"
    assert (chosen["company_name"].rule, chosen["company_name"].candidates) == ("consensus", 5)


def test_a_typo_never_wins_over_a_clean_majority() -> None:
    chosen = survive(
        _records("company_name", "Pqrk Hotel Ltd", "Park Hotel Ltd", "PARK HOTEL LTD", "Park Hotel Limited")
    )
    assert chosen["company_name"].value == "Park Hotel Ltd"
    chosen = survive(
        _records(
            "company_name",
            "Griffiths Electrical Contracctors LTD",
            "Griffiths Electrical Contractors Ltd",
            "Griffiths Electrical Contractors",
            "Griffiths Electrical Contractors Ltd",
        )
    )
    assert chosen["company_name"].value == "Griffiths Electrical Contractors Ltd"


def test_the_vocabulary_breaks_a_tie_between_a_typo_and_its_clean_spelling() -> None:
    records = _records("company_name", "Pqrk Hotel Ltd", "Park Hotel Ltd")
    others = _records("company_name", "Park Cafe", "Park Lane Dental", "Hotel Rosa Ltd")
    chosen = survive(records, build_vocabulary(records + others))
    assert chosen["company_name"].value == "Park Hotel Ltd"
    assert chosen["company_name"].source_key == "1"


def test_town_and_street_in_capitals_are_shown_in_standard_case() -> None:
    records = [
        {
            "source": "qb",
            "source_key": "1",
            "entity": "Customer",
            "street": "UNIT 40, STATION RD",
            "city": "LEEDS",
        },
        {
            "source": "dir",
            "source_key": "2",
            "entity": "Listing",
            "street": "Unit 40, Station Road",
            "city": "Leeds",
        },
    ]
    chosen = survive(records)
    assert chosen["street"].value == "Unit 40, Station Road"
    assert chosen["city"].value == "Leeds"
