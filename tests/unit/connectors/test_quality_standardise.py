"""Identity fields come out of every source written one way."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.quality import standardise as s


@pytest.mark.parametrize(
    "raw",
    ["020 7946 0123", "+44 20 7946 0123", "02079460123", "+44 (0)20 7946 0123", "(020) 7946 0123", "0044 20 7946 0123",
     "2079460123", "+442079460123"],
)  # fmt: skip
def test_phone_formats_all_become_e164(raw: str) -> None:
    assert s.phone(raw, "GB") == "+442079460123"


def test_phone_other_regions_and_failures() -> None:
    assert s.phone("01 234 5678", "IE") == "+35312345678"
    assert s.phone("07912 345678", "GB") == "+447912345678"
    assert s.phone("  ", "GB") is None
    for bad in ("12345", "+44 12", "not a number"):
        with pytest.raises(s.InvalidValue) as caught:
            s.phone(bad, "GB")
        assert caught.value.rule == "phone_format"


def test_email() -> None:
    assert s.email(" Jane.Smith@Example.CO.UK ") == "jane.smith@example.co.uk"
    assert s.email("mailto:info@bluebell.co.uk") == "info@bluebell.co.uk"
    assert s.email(None) is None
    for bad in ("accounts@@example.com", "sales at example.co.uk", "orders@"):
        with pytest.raises(s.InvalidValue, match="e-mail") as caught:
            s.email(bad)
        assert caught.value.rule == "email_format"


def _validator(value: str) -> str | None:
    """What ``email_validator`` itself makes of an address (``None``: refused)."""
    text = s.text(value) or ""
    if text.lower().startswith("mailto:"):
        text = text[7:]
    try:
        return str(validate_email(text, check_deliverability=False).normalized).lower()
    except EmailNotValidError:
        return None


def _ours(value: str) -> str | None:
    try:
        return s.email(value)
    except s.InvalidValue:
        return None


_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,3}[a-zA-Z0-9])?"
_ADDRESS = rf"(mailto:|MAILTO:)?[a-zA-Z0-9_+.-]{{1,12}}@(?:{_LABEL}\.){{1,3}}[a-zA-Z0-9]{{1,8}}"


@settings(max_examples=1500, deadline=None)
@given(st.from_regex(_ADDRESS, fullmatch=True) | st.sampled_from(
    ["a@b--c.com", "x@example.test", "x@example.localhost", "a..b@example.com", ".a@example.com",
     "a.@example.com", "a@example.c", "a@example.123", "a@-example.com", "a@example-.com",
     "A.B+Tag@GoogleMail.COM", "a" * 64 + "@example.com", "a" * 65 + "@example.com",
     "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com", "x@" + ".".join(["a" * 60] * 4) + ".com"]
))  # fmt: skip
def test_a_plain_address_is_read_as_email_validator_reads_it(address: str) -> None:
    """The fast path for plain ASCII addresses gives exactly what the validator gives, refusals included."""
    assert _ours(address) == _validator(address)


def test_postcode() -> None:
    assert s.postcode("sw1a1aa", "GB") == "SW1A 1AA"
    assert s.postcode(" ls1  4ab ", "GB") == "LS1 4AB"
    assert s.postcode("EC1A 1BB", "GB") == "EC1A 1BB"
    assert s.postcode("d02 x285", "IE") == "D02 X285"
    with pytest.raises(s.InvalidValue) as caught:
        s.postcode("XYZ 123", "GB")
    assert caught.value.rule == "postcode_format"


def test_country() -> None:
    assert s.country("United Kingdom") == "GB"
    assert s.country("uk") == "GB"
    assert s.country("England") == "GB"
    assert s.country("Ireland") == s.country("Éire") == "IE"
    assert s.country("fr") == "FR"
    assert s.country("") is None
    with pytest.raises(s.InvalidValue) as caught:
        s.country("Narnia")
    assert caught.value.rule == "country_format"


def test_text_and_website() -> None:
    assert s.text("  Hughes\u00a0 &\tSons\u200b  Ltd ") == "Hughes & Sons Ltd"
    assert s.text("Cafe\u0301") == "Café"  # NFC
    assert s.text("line one \n  line two ", keep_newlines=True) == "line one\nline two"
    assert s.text("   ") is None
    assert s.website("WWW.Bluebell.co.uk/") == "https://www.bluebell.co.uk"
    assert s.website("http://shop.example.com/path/?q=1") == "http://shop.example.com/path/?q=1"
    with pytest.raises(s.InvalidValue):
        s.website("not a url")
