"""The column standardisers (polars) give exactly what the per-record standardisers give, awkward text included."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.identity import standardise as std
from pipeline.identity.fields import FieldMap
from pipeline.identity.phones import normalise_phone_keys
from pipeline.identity.prepare import standardise_frame, standardisers
from pipeline.identity.synthetic import synthetic_records
from pipeline.identity.vectorised import as_polars, standardise_column

FIELDS = (
    "given_name", "family_name", "business_name", "email", "phone", "street_number", "street", "city",
    "postcode", "state", "date_of_birth", "national_id", "source_id", "account_owner",
)  # fmt: skip

#: Inputs that have tripped standardisers: accents, other scripts, Unicode digits and spaces, control
#: characters, legal-form words, e-mail and phone corner cases, impossible and odd dates.
AWKWARD = [
    None, "", " ", "  Zoë O'Brien-Smith ", "JOSÉ  García", "Straße", "Dr. J.R.R. Tolkien", "___", "İstanbul",
    "ǅemal", "ﬁsh & chips", "Ⅻ Corp", "½ price", "Ｆｕｌｌｗｉｄｔｈ", "東京 商事", "Smith\u00a0& Sons, Inc.",
    "\tTabbed Ltd\n", "a\x1fb", "\u200bzero width", "Co.", "The Company Ltd", "co-op coffee co", "Pty. Ltd.",
    "ltd2 limited", "Acme_Widgets", "  Jane.Doe+news@GMail.com ", "mailto:Info@Acme.co.uk", "a@b", "@x.com",
    "+tag@x.com", "a@@b.com", "a b@c.com", "x@googlemail.com", "J.Smith@googlemail.com", "ÉVA@exämple.hu",
    "+44 (0)20 7946 0018", "020 7946 0018", "07700 900123", "+61 2 9876 5432", "(02) 9876-5432", "0412 345 678",
    "+6x 826794846", "١٢٣٤٥٦٧٨٩٠", "+44 ٧٧٠٠ 900123", "12", "0" * 45, "19900102", "1990-01-02", "02/01/1990",
    "1/2/1990", "31/02/1990", "29/02/2000", "29/02/1900", "0000-01-01", "0001-01-01", "9999-12-31", "1990/13/01",
    "1990-001-0002", "1990--01--02", ".1990.01.02.", "00000000000000000000001990-1-1", "1990-1-99999999999999",
    "1990-١-02", "19900231", "12 Main Street", "Unit 4, 12-14 Saint  Kilda Road", "12a", "No. 7", "  sw1a 1aa",
    "SW1A\u00a01AA", "New South Wales", "new  south wales", "Hannah Okafor", "hannah", "ÅSA Ström",
]  # fmt: skip

_PUNCTUATION = re.compile(r"[\s\-().]")
_awkward_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" .'’`´&@+-_/()0123456789abcXYZéÉßİı١٢\u00a0\u2009\t\n\x1f\u0301ﬁ½Ⅻ")),
        st.characters(codec="utf-8"),
    ),
    max_size=24,
)
_values = st.lists(st.one_of(st.none(), st.sampled_from(AWKWARD[1:]), _awkward_text), max_size=40)


def _reference(field: str, values: Sequence[str | None], region: str, day_first: bool) -> list[str | None]:
    """The per-record result: strip, empty is missing, then the field's standardiser (phones: of the key)."""
    text = [None if v is None else (v.strip() or None) for v in values]
    if field != "phone":
        fn = standardisers(region, day_first)[field]
        return [None if t is None else fn(t) for t in text]
    keys = [None if t is None else (_PUNCTUATION.sub("", t) or None) for t in text]
    return [None if k is None else std.normalise_phone(k, region) for k in keys]


def _vectorised(field: str, values: Sequence[str | None], region: str, day_first: bool) -> list[str | None]:
    fn = standardisers(region, day_first)[field]
    raw = as_polars(pd.Series(values, dtype=object))
    _, out = standardise_column(field, raw, fn, region=region, day_first=day_first)
    return out.to_list()


@pytest.mark.parametrize("field", FIELDS)
def test_awkward_inputs_agree(field: str) -> None:
    assert _vectorised(field, AWKWARD, "GB", True) == _reference(field, AWKWARD, "GB", True)
    assert _vectorised(field, AWKWARD, "AU", False) == _reference(field, AWKWARD, "AU", False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), values=_values, day_first=st.booleans())
def test_any_text_agrees(field: str, values: list[str | None], day_first: bool) -> None:
    assert _vectorised(field, values, "GB", day_first) == _reference(field, values, "GB", day_first)


@settings(max_examples=30, deadline=None)
@given(
    keys=st.lists(
        st.from_regex(r"\A(\+61|\+44|0|00)[ 2-8][0-9 ]{6,9}\Z", fullmatch=True), min_size=1, max_size=40
    ),
    region=st.sampled_from(["AU", "GB", "US"]),
)
def test_phone_groups_agree(keys: list[str], region: str) -> None:
    """Enough numbers per prefix that the group rule (three parses, then one expression) is used."""
    assert _vectorised("phone", keys, region, True) == _reference("phone", keys, region, True)


def test_synthetic_frame_agrees_with_per_record_standardisers() -> None:
    df = synthetic_records(3000, seed=7)
    fields = FieldMap.identity(list(df.columns), record_id="record_id")
    out = standardise_frame(df, fields, region="AU")
    for field, column in fields.mapped().items():
        values = [None if pd.isna(v) else str(v) for v in df[column]]
        got = [None if pd.isna(v) else v for v in out[field]]
        assert got == _reference(field, values, "AU", True), field


def test_non_string_columns_read_as_their_text() -> None:
    """CSV postcodes arrive as floats (``2000.0``) and ids as integers: the same text as before."""
    postcodes = pd.Series([2000.0, None, 3121.5])
    assert as_polars(postcodes).to_list() == ["2000", None, "3121.5"]
    assert as_polars(pd.Series([7, 12], dtype=object)).to_list() == ["7", "12"]
    assert pl.Series(as_polars(pd.Series(["a", None], dtype="string"))).to_list() == ["a", None]


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(
        st.from_regex(r"\A(\+61|\+44|\+1|0|00|1)[0-9]{7,10}\Z", fullmatch=True),
        min_size=1,
        max_size=60,
        unique=True,
    ),
    region=st.sampled_from(["AU", "GB", "US", "CA", "JE"]),
)
def test_phone_keys_equal_single_phone(keys: list[str], region: str) -> None:
    """The group rule and the metadata's validity patterns give the quality layer's phone, key by key."""
    out = normalise_phone_keys(pl.Series(keys), region)
    assert dict(out.iter_rows()) == {k: std.normalise_phone(k, region) for k in keys}


def test_phone_keys_equal_single_phone_on_a_large_sample() -> None:
    """20,000 numbers per region, valid and not (random digits), in the groups the fast path serves."""
    rng = random.Random(3)
    for region, prefixes in {
        "GB": ["020", "0113", "07", "+4420", "+441534", "+441624", "01"],
        "US": ["650", "1650", "+1650", "415", "+1416", "+1876", "212"],
        "AU": ["02", "03", "04", "+612", "+614", "08"],
    }.items():
        keys = list(
            dict.fromkeys(
                p + "".join(rng.choices("0123456789", k=rng.randint(6, 9))) for p in prefixes * 3000
            )
        )
        out = dict(normalise_phone_keys(pl.Series(keys), region).iter_rows())
        expected = {k: std.normalise_phone(k, region) for k in keys}
        assert out == expected, region
        assert 0 < sum(v is None for v in out.values()) < len(out)  # both kinds are in the sample


_emails = st.builds(
    lambda local, domain, tld, mailto: f"{mailto}{local}@{domain}.{tld}",
    st.from_regex(r"\A[A-Za-z0-9._+\-]{0,12}\Z", fullmatch=True),
    st.from_regex(r"\A[A-Za-z0-9\-.]{0,12}\Z", fullmatch=True),
    st.sampled_from(["com", "co.uk", "test", "c", "1", "GMAIL", "local", "xn--p1ai", "org"]),
    st.sampled_from(["", "mailto:", "MAILTO:"]),
)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.one_of(_emails, st.sampled_from(AWKWARD[1:])), max_size=40))
def test_email_addresses_agree(values: list[str]) -> None:
    """Addresses near the edge of validity: the expression only takes those ``email_validator`` keeps as they are."""
    assert _vectorised("email", values, "GB", True) == _reference("email", values, "GB", True)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.from_regex(r"\A[A-Za-z0-9 \-]{0,10}\Z", fullmatch=True), max_size=40),
    region=st.sampled_from(["GB", "US", "IE", "NL", "SE"]),
)
def test_postcodes_read_for_the_region_agree(values: list[str], region: str) -> None:
    assert _vectorised("postcode", values, region, True) == _reference("postcode", values, region, True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["020 7946 0018", "(01) 555 1234", "(650) 253-0000", "0412 345 678", "12", None]),
            st.sampled_from(["SW1A 1AA", "D02 X285", "94043-1351", "2000", "x", None]),
            st.sampled_from(["12 Main Street", "4 Quay Road", None]),
            st.sampled_from(["California", "New South Wales", "Dublin", None]),
            st.sampled_from(["GB", "IE", "United States", "Australia", "uk", "", None]),
        ),
        max_size=30,
    )
)
def test_each_record_read_for_its_own_country_agrees(rows: list[tuple[str | None, ...]]) -> None:
    """With a country column, the columns equal the per-record standardisers of each record's country."""
    df = pd.DataFrame(rows, columns=["phone", "postcode", "street", "state", "country"], dtype=object)
    fields = FieldMap(phone="phone", postcode="postcode", street="street", state="state", country="country")
    out = standardise_frame(df, fields, region="GB")
    codes = {"GB": "GB", "IE": "IE", "United States": "US", "Australia": "AU", "uk": "GB"}
    for i, row in enumerate(rows):
        country = codes.get(row[4] or "", "GB")
        for j, field in enumerate(("phone", "postcode", "street", "state")):
            got = out[field].iloc[i]
            assert (None if pd.isna(got) else got) == _reference(field, [row[j]], country, True)[0]
