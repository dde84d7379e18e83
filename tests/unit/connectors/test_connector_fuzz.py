"""Any payload either stages or is rejected: a stager never raises anything but ``Rejected``."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.connectors import CONNECTORS
from pipeline.records import RawRecord, Rejected, StagedRow

ENTITIES = {
    "quickbooks_export": ["Customer", "Item", "Invoice", "SalesReceipt", "Payment", "Vendor"],
    "spreadsheet": ["Lead", "Activity", "Row"],
    "instagram_export": ["Profile", "Comment"],
    "directory_html": ["Listing"],
    "campaign_csv": ["Campaign", "CampaignDaily"],
}
# Field names each stager looks at, so generated payloads hit real code paths, not only "required".
FIELDS = [
    "Id", "DisplayName", "CompanyName", "GivenName", "PrimaryEmailAddr", "PrimaryPhone", "BillAddr", "WebAddr", "Active",
    "MetaData", "CustomerTypeRef", "Name", "Type", "Sku", "UnitPrice", "PurchaseCost", "ParentRef", "TxnDate", "CustomerRef",
    "Line", "CustomField", "DocNumber", "TotalAmt", "PaymentMethodRef", "Lead ID", "Company", "Contact", "Email", "Phone",
    "Town", "Status", "Est. Value (£)", "Owner", "Last Contact", "Date", "Account", "Notes", "Rep", "id", "username",
    "full_name", "business_email", "business_phone_number", "external_url", "edge_followed_by",
    "edge_owner_to_timeline_media", "node", "listing_id", "name", "phone", "postcode", "website", "rating", "reviews",
    "locality", "campaign_id", "channel", "start_date", "end_date", "budget", "date", "spend", "impressions", "clicks",
    "conversions", "_unparsed",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["2025-01-01", "01/02/2025 10:00", "020 7946 0123", "a@b.co", "SW1A 1AA", "£1,200", "call",
                     "SalesItemLineDetail", "Category", "1e400", "31/02/2024", "UK", "x" * 3000]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS + ["value", "name", "Qty", "text"]), inner, max_size=5),
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=10)


@pytest.mark.parametrize("kind", sorted(ENTITIES))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), payload=payloads)
def test_any_payload_stages_or_is_rejected(kind: str, data: st.DataObject, payload: dict[str, Any]) -> None:
    entity = data.draw(st.sampled_from(ENTITIES[kind]))
    record = RawRecord("src", entity, "key", payload)
    try:
        rows = CONNECTORS[kind].stage(record)
    except Rejected as e:
        assert e.rule and e.message
        return
    assert isinstance(rows, list) and all(isinstance(r, StagedRow) for r in rows)


GOOD: dict[tuple[str, str], dict[str, Any]] = {
    ("quickbooks_export", "Customer"): {"Id": "1", "DisplayName": "A Ltd", "PrimaryEmailAddr": {"Address": "a@b.co.uk"},
                                        "PrimaryPhone": {"FreeFormNumber": "020 7946 0123"},
                                        "BillAddr": {"PostalCode": "LS1 4AB", "Country": "UK"},
                                        "MetaData": {"CreateTime": "2024-01-01T10:00:00+00:00"}},
    ("quickbooks_export", "Invoice"): {"Id": "2", "TxnDate": "2025-01-01", "CustomerRef": {"value": "1"},
                                       "CustomField": [{"Name": "Sales Rep", "StringValue": "Priya"}],
                                       "Line": [{"LineNum": 1, "Amount": 2.0, "DetailType": "SalesItemLineDetail",
                                                 "SalesItemLineDetail": {"ItemRef": {"value": "8"}, "Qty": 2, "UnitPrice": 1}}]},
    ("spreadsheet", "Lead"): {"Lead ID": "L-1", "Company": "A", "Email": "a@b.co", "Phone": "020 7946 0123",
                              "Status": "new", "Est. Value (£)": "£1,000", "Last Contact": "01/02/2025"},
    ("spreadsheet", "Activity"): {"Date": "01/02/2025 10:00", "Type": "Call", "Account": "A", "Email": "a@b.co", "Notes": "n"},
    ("instagram_export", "Profile"): {"id": "5", "username": "a", "edge_followed_by": {"count": 3},
                                      "edge_owner_to_timeline_media": {"edges": [{"node": {"shortcode": "S",
                                                                                 "taken_at_timestamp": 1}}]}},
    ("instagram_export", "Comment"): {"node": {"id": "c", "text": "t", "created_at": 1, "owner": {"id": "5"}}},
    ("directory_html", "Listing"): {"listing_id": "x", "name": "A", "phone": "0113 496 0000", "postcode": "LS1 4AB",
                                    "rating": "4.5", "reviews": "3"},
    ("campaign_csv", "CampaignDaily"): {"campaign_id": "C", "date": "2025-01-01", "spend": "1", "impressions": "2",
                                        "clicks": "1", "conversions": "0"},
}  # fmt: skip


def _mutate(value: Any, path: list[int], replacement: Any) -> Any:
    """Replace the node reached by following ``path`` (indices into sorted keys / list items)."""
    if not path or not isinstance(value, dict | list) or not value:
        return replacement
    keys = sorted(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = _mutate(value[key], path[1:], replacement)
    return copy


@pytest.mark.parametrize(("kind", "entity"), sorted(GOOD))
@settings(max_examples=60, deadline=None)
@given(path=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=5), replacement=json_values)
def test_good_payload_with_any_field_broken_stages_or_is_rejected(
    kind: str, entity: str, path: list[int], replacement: Any
) -> None:
    assert CONNECTORS[kind].stage(
        RawRecord("src", entity, "key", GOOD[(kind, entity)])
    )  # the unbroken one stages
    record = RawRecord("src", entity, "key", _mutate(GOOD[(kind, entity)], path, replacement))
    with contextlib.suppress(Rejected):
        CONNECTORS[kind].stage(record)
