"""Phones and postcodes are read for the record's country; the country comes from the record, its source or home."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_sources
from pipeline.errors import ConfigError
from pipeline.quality import standardise as s
from pipeline.quality.locale import Locale, home_locale, record_country, source_locale
from settings import Settings

UK = Locale("GB", "GBP")


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("(650) 555-3311", "US", "+16505553311"), ("415.444.6538", "US", "+14154446538"),
        ("(07) 4051 2345", "AU", "+61740512345"), ("0412 345 678", "AU", "+61412345678"),
        ("1300 766 377", "AU", "+611300766377"), ("01 234 5678", "IE", "+35312345678"),
        ("087 123 4567", "IE", "+353871234567"), ("020 7946 0123", "GB", "+442079460123"),
        ("+1 650 555 3311", "GB", "+16505553311"),  # an international form reads the same anywhere
        ("+61 7 4051 2345", None, "+61740512345"),  # and without a country
    ],
)  # fmt: skip
def test_a_phone_is_read_for_its_country(raw: str, country: str | None, e164: str) -> None:
    assert s.phone(raw, country) == e164


@pytest.mark.parametrize(
    ("raw", "country"),
    [("(650) 555-3311", "GB"), ("020 7946 0123", "US"), ("(07) 4051 2345", None), ("0412 345", "AU")],
)
def test_a_national_phone_of_another_country_or_of_none_fails_naming_the_country(
    raw: str, country: str | None
) -> None:
    with pytest.raises(s.InvalidValue) as caught:
        s.phone(raw, country)
    assert caught.value.rule == "phone_format"
    assert (country or "without a country") in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "country", "normal"),
    [
        ("94326", "US", "94326"), ("94303-1234", "US", "94303-1234"), ("943031234", "US", "94303-1234"),
        ("4870", "AU", "4870"), ("d02x285", "IE", "D02 X285"), ("D6W 1234", "IE", "D6W 1234"),
        ("sw1a1aa", "GB", "SW1A 1AA"), ("gir 0aa", "GB", "GIR 0AA"), ("im1 1aa", "IM", "IM1 1AA"),
        ("k1a0b1", "CA", "K1A 0B1"), ("10115", "DE", "10115"), ("75008", "FR", "75008"),
        ("1012ab", "NL", "1012 AB"),
        ("100-0001", "JP", "100-0001"),  # a country without a rule: tidy text
        (" cp 1 ", None, "CP 1"),  # no country: tidy text
    ],
)  # fmt: skip
def test_a_postcode_is_checked_and_laid_out_for_its_country(
    raw: str, country: str | None, normal: str
) -> None:
    assert s.postcode(raw, country) == normal


@pytest.mark.parametrize(
    ("raw", "country", "name"),
    [("94326", "GB", "UK postcode"), ("SW1A 1AA", "US", "US ZIP code"), ("94326", "AU", "Australian postcode"),
     ("4870", "US", "US ZIP code"), ("W1A 1AA", "IE", "Irish Eircode"), ("0123 AB", "NL", "Dutch postcode")],
)  # fmt: skip
def test_a_postcode_that_does_not_fit_its_country_fails_naming_the_rule(
    raw: str, country: str, name: str
) -> None:
    with pytest.raises(s.InvalidValue, match=name) as caught:
        s.postcode(raw, country)
    assert caught.value.rule == "postcode_format"


def test_the_record_country_comes_from_its_address_then_its_source_then_home() -> None:
    au_source = source_locale("yp_au", {"country": "Australia"}, UK)
    assert au_source == Locale("AU", "GBP")
    assert source_locale("sheet", {}, UK) == UK
    assert source_locale("qbo_us", {"country": "us", "currency": "usd"}, UK) == Locale("US", "USD")
    assert record_country("US", au_source) == "US"
    assert record_country(None, au_source) == "AU"
    assert record_country(None, source_locale("sheet", {}, UK)) == "GB"


def test_home_locale_comes_from_the_settings_and_a_bad_country_is_a_config_error() -> None:
    assert home_locale(Settings()) == UK
    assert home_locale(Settings(home_country="us", home_currency="usd")) == Locale("US", "USD")
    with pytest.raises(ConfigError, match="'XX' is not an ISO 3166-1"):
        home_locale(Settings(home_country="XX"))
    with pytest.raises(ConfigError, match="source 'dir'.*Narnia"):
        source_locale("dir", {"country": "Narnia"}, UK)


def test_a_sources_config_with_an_unknown_country_refuses_to_load(tmp_path: Path) -> None:
    entry = '[[sources]]\nname = "yp"\ntype = "directory_html"\nlawful_basis = "legitimate_interests"\n'
    entry += 'terms_of_service = true\ncountry = "{}"\n'
    (tmp_path / "sources.toml").write_text(entry.format("Australia"), "utf-8")
    assert load_sources(tmp_path / "sources.toml")[0].options["country"] == "Australia"
    (tmp_path / "sources.toml").write_text(entry.format("Narnia"), "utf-8")
    with pytest.raises(ConfigError, match="source 'yp': country: 'Narnia' is not a known country"):
        load_sources(tmp_path / "sources.toml")
