"""Standardisers give exact canonical forms and never crash on any text."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.identity import standardise as std


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Zoë O'Brien-Smith ", "zoe obrien smith"),
        ("JOSÉ  García", "jose garcia"),
        ("Straße", "strasse"),
        ("Dr. J.R.R. Tolkien", "dr jrr tolkien"),
        ("___", None),
        ("", None),
        (None, None),
    ],
)
def test_fold(raw: str | None, expected: str | None) -> None:
    assert std.fold(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Acme Widgets Pty. Ltd.", "acme widgets"),
        ("ACME WIDGETS LIMITED", "acme widgets"),
        ("Smith & Sons, Inc.", "smith sons"),
        ("Initech LLC", "initech"),
        ("Globex Corporation", "globex"),
        ("Co.", "co"),
    ],
)
def test_business_name_drops_noise_words(raw: str, expected: str) -> None:
    assert std.normalise_business_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(02) 9876 5432", "AU", "+61298765432"),
        ("02-9876-5432", "AU", "+61298765432"),
        ("+61 2 9876 5432", "AU", "+61298765432"),
        ("0412 345 678", "AU", "+61412345678"),
        ("+44 20 7946 0958", "AU", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("12", "AU", None),
        ("call me", "AU", None),
        ("07700 900123", "GB", None),  # a possible length, but no British number starts 077009
        ("(650) 155-3311", "US", None),  # no US exchange starts with 1
    ],
)
def test_phone_to_e164(raw: str, region: str, expected: str | None) -> None:
    assert std.normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("John.Smith+news@GoogleMail.com", "johnsmith@gmail.com"),
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:a+b@x.org", "a@x.org"),
        ("not-an-email", None),
        ("a@b", None),
    ],
)
def test_email(raw: str, expected: str | None) -> None:
    assert std.normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12 Main Street", "12 main st"),
        ("12 MAIN ST.", "12 main st"),
        ("4/7 Ocean Road North", "4 7 ocean rd n"),
        ("1 Saint Kilda Avenue", "1 st kilda ave"),
    ],
)
def test_street_abbreviations(raw: str, expected: str) -> None:
    assert std.normalise_street(raw, "AU") == expected
    assert std.normalise_street(raw, None) == expected


def test_postcode_read_for_its_country() -> None:
    """The quality layer's postcode without its separator; one that breaks the country's rule is missing."""
    assert std.normalise_postcode("sw1a 1aa", "GB") == "SW1A1AA"
    assert std.normalise_postcode("94326-1234", "US") == "943261234"
    assert std.normalise_postcode("94326", "US") == "94326"
    assert std.normalise_postcode("9432", "US") is None
    assert std.normalise_postcode("12345", "GB") is None
    assert std.normalise_postcode("sw1a 1aa", None) == "SW1A1AA"
    assert std.normalise_postcode(" 2000 ", None) == "2000"


def test_email_key_is_built_on_the_canonical_address() -> None:
    """Validity is the quality layer's (``email_validator``), not a looser pattern of our own."""
    assert std.normalise_email("info@shop.test") is None  # a special-use domain
    assert std.normalise_email("a..b@x.com") is None
    assert std.email_key("jane.doe+crm@googlemail.com") == "janedoe@gmail.com"


def test_state_and_ids() -> None:
    assert std.normalise_state("New South Wales", "AU") == "nsw"
    assert std.normalise_state("New South Wales", None) == "nsw"
    assert std.normalise_state("New South Wales", "US") == "new south wales"
    assert std.normalise_state("VIC", "AU") == "vic"
    assert std.normalise_token("qb-00123") == "QB00123"
    assert std.digits("No. 12a") == "12"


@pytest.mark.parametrize(
    ("raw", "day_first", "expected"),
    [
        ("19560409", True, "1956-04-09"),
        ("1956-04-09", True, "1956-04-09"),
        ("09/04/1956", True, "1956-04-09"),
        ("04/09/1956", False, "1956-04-09"),
        ("31/02/2000", True, None),
        ("19551192", True, None),
        ("soon", True, None),
    ],
)
def test_dates(raw: str, day_first: bool, expected: str | None) -> None:
    assert std.normalise_date(raw, day_first=day_first) == expected


FUNCS = [
    std.fold,
    std.normalise_name,
    std.normalise_business_name,
    functools.partial(std.normalise_phone, region="AU"),
    std.normalise_email,
    functools.partial(std.normalise_postcode, country=None),
    functools.partial(std.normalise_postcode, country="GB"),
    functools.partial(std.normalise_street, country=None),
    std.normalise_city,
    functools.partial(std.normalise_state, country="AU"),
    std.normalise_token,
    std.normalise_date,
    std.digits,
]


@settings(max_examples=150, deadline=None)
@given(text=st.text())
def test_no_crash_and_idempotent_on_any_text(text: str) -> None:
    for fn in FUNCS:
        out = fn(text)
        assert out is None or (isinstance(out, str) and out != "")
    folded = std.fold(text)
    assert std.fold(folded) == folded
    street = std.normalise_street(text, None)
    assert std.normalise_street(street, None) == street


@settings(max_examples=100, deadline=None)
@given(digits=st.text(alphabet="0123456789 +-()", max_size=25))
def test_phone_is_e164_or_none(digits: str) -> None:
    out = std.normalise_phone(digits, "AU")
    assert out is None or (out.startswith("+") and out[1:].isdigit() and len(out) <= 17)
