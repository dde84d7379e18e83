"""Each stager maps a good record to exactly the staging rows a user would expect."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pipeline.connectors import CONNECTORS
from pipeline.connectors.common import row
from pipeline.quality.locale import Locale
from pipeline.records import RawRecord, Rejected, SourceConfig


def stage(
    kind: str, entity: str, payload: dict[str, Any], key: str = "k1", source: str = "src"
) -> list[tuple[str, dict[str, Any]]]:
    rows = CONNECTORS[kind].stage(RawRecord(source, entity, key, payload))
    return [(r.table, dict(r.values)) for r in rows]


QB_CUSTOMER = {
    "Id": "58", "SyncToken": "2", "DisplayName": "Hughes & Sons Ltd", "CompanyName": "Hughes and Sons Limited",
    "GivenName": "Amelia", "FamilyName": "Hughes", "PrimaryEmailAddr": {"Address": " Amelia.Hughes@HughesAndSons.co.uk "},
    "PrimaryPhone": {"FreeFormNumber": "+44 (0)20 7946 0123"},
    "BillAddr": {"Line1": "12 High St", "City": "London", "CountrySubDivisionCode": "London", "PostalCode": "sw1a1aa",
                 "Country": "United Kingdom"},
    "WebAddr": {"URI": "www.HughesAndSons.co.uk/"}, "Active": True, "Balance": 0,
    "CustomerTypeRef": {"value": "1", "name": "office"},
    "MetaData": {"CreateTime": "2024-01-05T09:12:33-08:00", "LastUpdatedTime": "2024-02-01T10:00:00+00:00"},
}  # fmt: skip


def test_quickbooks_customer_is_standardised_into_stg_customer() -> None:
    assert stage("quickbooks_export", "Customer", QB_CUSTOMER) == [
        ("stg_customer", {
            "source_key": "58", "entity": "Customer", "display_name": "Hughes & Sons Ltd",
            "company_name": "Hughes and Sons Limited", "given_name": "Amelia", "family_name": "Hughes",
            "email": "amelia.hughes@hughesandsons.co.uk", "phone": "+442079460123", "street": "12 High St",
            "city": "London", "region": "London", "postcode": "SW1A 1AA", "country": "GB",
            "website": "https://www.hughesandsons.co.uk", "segment": "office",
            "created_at": dt.datetime(2024, 1, 5, 17, 12, 33), "updated_at": dt.datetime(2024, 2, 1, 10, 0),
            "is_active": True, "mobile": None, "parent_source_key": None, "terms": None, "balance": 0.0,
            "ship_address": None,
        })
    ]  # fmt: skip


def test_quickbooks_invoice_gives_one_row_per_item_line_and_skips_the_subtotal() -> None:
    invoice = {
        "Id": "901", "DocNumber": "10901", "TxnDate": "2025-03-04", "CustomerRef": {"value": "58", "name": "Hughes"},
        "CustomField": [{"Name": "Sales Rep", "StringValue": "Priya Shah"}, {"Name": "Channel", "StringValue": "web"}],
        "Line": [
            {"Id": "1", "LineNum": 1, "Amount": 43.98, "DetailType": "SalesItemLineDetail",
             "SalesItemLineDetail": {"ItemRef": {"value": "8", "name": "Paper"}, "UnitPrice": 21.99, "Qty": 2}},
            {"Id": "2", "LineNum": 2, "Amount": 6.49, "DetailType": "SalesItemLineDetail",
             "SalesItemLineDetail": {"ItemRef": {"value": "9"}}},
            {"Amount": 50.47, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
        "TxnTaxDetail": {"TotalTax": 10.09}, "TotalAmt": 60.56, "CurrencyRef": {"value": "GBP"},
    }  # fmt: skip
    common = {"doc_type": "invoice", "doc_key": "901", "doc_number": "10901", "txn_date": dt.date(2025, 3, 4),
              "customer_source_key": "58", "sales_rep": "Priya Shah", "channel": "web", "currency": "GBP",
              "exchange_rate": None, "terms": None}  # fmt: skip
    assert stage("quickbooks_export", "Invoice", invoice) == [
        ("stg_sales_line", {**common, "line_no": 1, "product_source_key": "8", "quantity": 2.0, "unit_price": 21.99,
                            "amount": 43.98, "doc_amount": 43.98}),
        ("stg_sales_line", {**common, "line_no": 2, "product_source_key": "9", "quantity": 1.0, "unit_price": 6.49,
                            "amount": 6.49, "doc_amount": 6.49}),
    ]  # fmt: skip
    receipt = stage("quickbooks_export", "SalesReceipt", invoice)
    assert [r[1]["doc_type"] for r in receipt] == ["sales_receipt", "sales_receipt"]


def test_quickbooks_items_payments_and_categories() -> None:
    item = {"Id": "8", "Name": "A4 Paper", "Sku": "MCL-100S", "Type": "Inventory", "UnitPrice": 21.99,
            "PurchaseCost": 12.1, "ParentRef": {"value": "1", "name": "Office Supplies"}}  # fmt: skip
    assert stage("quickbooks_export", "Item", item) == [
        ("stg_product", {"source_key": "8", "name": "A4 Paper", "sku": "MCL-100S", "category": "Office Supplies",
                         "unit_price": 21.99, "unit_cost": 12.1})
    ]  # fmt: skip
    assert (
        stage("quickbooks_export", "Item", {"Id": "1", "Name": "Office Supplies", "Type": "Category"}) == []
    )
    payment = {"Id": "77", "TxnDate": "2025-04-01", "CustomerRef": {"value": "58"}, "TotalAmt": 60.56,
               "PaymentMethodRef": {"value": "1", "name": "BACS"}, "Line": [{"LinkedTxn": [{"TxnId": "901"}]}]}  # fmt: skip
    assert stage("quickbooks_export", "Payment", payment) == [
        ("stg_payment", {"source_key": "77", "txn_date": dt.date(2025, 4, 1), "customer_source_key": "58",
                         "amount": 60.56, "method": "BACS", "method_ref": "1", "currency": "GBP", "exchange_rate": None,
                         "doc_amount": 60.56})
    ]  # fmt: skip


def test_lead_row_as_typed_by_a_person() -> None:
    lead = {"Lead ID": "L-000001", "Company": "  Bluebell  Cafe ", "Contact": "Jane Smith", "Email": "Jane@Bluebell.co.uk",
            "Phone": "2079460123", "Town": "London", "Region": "London", "Status": "Qualified", "Est. Value (£)": "£1,200",
            "Owner": "Priya", "Last Contact": "03/04/2025", "Notes": "Wants samples"}  # fmt: skip
    assert stage("spreadsheet", "Lead", lead, key="L-000001") == [
        ("stg_customer", {
            "source_key": "L-000001", "entity": "Lead", "display_name": "Bluebell Cafe", "company_name": "Bluebell Cafe",
            "given_name": "Jane", "family_name": "Smith", "email": "jane@bluebell.co.uk", "phone": "+442079460123",
            "city": "London", "region": "London", "sales_rep": "Priya", "lead_status": "qualified", "lead_value": 1200.0,
            "updated_at": dt.datetime(2025, 4, 3),
        })
    ]  # fmt: skip


def test_activity_gives_an_interaction_pointing_at_its_own_contact_row() -> None:
    activity = {"Date": "29/10/2024 08:24", "Type": "call", "Account": "Bluebell Cafe Ltd", "Contact": "",
                "Email": "", "Rep": "Priya Shah", "Notes": "Chased overdue invoice"}  # fmt: skip
    rows = stage("spreadsheet", "Activity", activity, key="line-7", source="sales_activities")
    assert rows == [
        ("stg_customer", {"source_key": "line-7", "entity": "Contact", "display_name": "Bluebell Cafe Ltd",
                          "company_name": "Bluebell Cafe Ltd", "given_name": None, "family_name": None, "email": None,
                          "sales_rep": "Priya Shah"}),
        ("stg_interaction", {"source_key": "line-7", "kind": "call", "occurred_at": dt.datetime(2024, 10, 29, 8, 24),
                             "customer_source": "sales_activities", "customer_source_key": "line-7", "channel": "phone",
                             "text": "Chased overdue invoice"}),
    ]  # fmt: skip


def test_instagram_profile_and_its_posts() -> None:
    user = {"id": "7000000013", "username": "Bluebell_Cafe", "full_name": "Bluebell Cafe",
            "business_email": "hello@bluebell.co.uk", "business_phone_number": "+44 20 7946 0123",
            "external_url": "https://bluebell.co.uk", "edge_followed_by": {"count": 312},
            "edge_owner_to_timeline_media": {"count": 1, "edges": [{"node": {
                "shortcode": "ABCdef12345", "taken_at_timestamp": 1735732800, "edge_liked_by": {"count": 9},
                "edge_media_to_comment": {"count": 2},
                "edge_media_to_caption": {"edges": [{"node": {"text": "Stocked up on cups from @miraclecorp_uk"}}]}}}]}}  # fmt: skip
    assert stage("instagram_export", "Profile", user, key="7000000013", source="instagram") == [
        ("stg_customer", {"source_key": "7000000013", "entity": "Profile", "display_name": "Bluebell Cafe",
                          "instagram_handle": "bluebell_cafe", "email": "hello@bluebell.co.uk", "phone": "+442079460123",
                          "website": "https://bluebell.co.uk", "followers": 312}),
        ("stg_interaction", {"source_key": "ABCdef12345", "kind": "post", "occurred_at": dt.datetime(2025, 1, 1, 12, 0),
                             "customer_source": "instagram", "customer_source_key": "7000000013", "channel": "instagram",
                             "text": "Stocked up on cups from @miraclecorp_uk", "likes": 9, "comments": 2}),
    ]  # fmt: skip


def test_instagram_comment_points_at_the_commenting_profile() -> None:
    comment = {"media_shortcode": "XYZ", "node": {"id": "1780", "text": "Poor quality cups 😡", "created_at": 1735732800,
                                                  "owner": {"id": "7000000013", "username": "bluebell_cafe"},
                                                  "edge_liked_by": {"count": 1}}}  # fmt: skip
    assert stage("instagram_export", "Comment", comment, key="1780", source="instagram") == [
        ("stg_interaction", {"source_key": "1780", "kind": "comment", "occurred_at": dt.datetime(2025, 1, 1, 12, 0),
                             "customer_source": "instagram", "customer_source_key": "7000000013", "channel": "instagram",
                             "text": "Poor quality cups 😡", "likes": 1})
    ]  # fmt: skip


def test_directory_listing() -> None:
    listing = {"listing_id": "9b1b6d1e", "name": "Hughes &amp; Sons", "street": "12 High St", "locality": "Leeds",
               "postcode": "ls1 4ab", "phone": "(0113) 496 0000", "website": "http://www.hughes.co.uk", "category": "Cafes",
               "rating": "4.5", "reviews": "12", "page": "page-1.html", "html": "<div/>"}  # fmt: skip
    assert stage("directory_html", "Listing", listing, key="9b1b6d1e") == [
        ("stg_customer", {"source_key": "9b1b6d1e", "entity": "Listing", "display_name": "Hughes &amp; Sons",
                          "company_name": "Hughes &amp; Sons", "phone": "+441134960000", "street": "12 High St",
                          "city": "Leeds", "region": None, "postcode": "LS1 4AB", "country": None,
                          "website": "http://www.hughes.co.uk", "segment": "Cafes", "rating": 4.5})
    ]  # fmt: skip


def test_campaign_and_daily_rows() -> None:
    campaign = {"campaign_id": "CMP-001", "name": "Spring Google Ads 1", "channel": "google_ads",
                "start_date": "2025-03-01", "end_date": "2025-03-31", "budget": "4500.00"}  # fmt: skip
    assert stage("campaign_csv", "Campaign", campaign, key="CMP-001") == [
        ("stg_campaign", {"source_key": "CMP-001", "name": "Spring Google Ads 1", "channel": "google_ads",
                          "start_date": dt.date(2025, 3, 1), "end_date": dt.date(2025, 3, 31), "budget": 4500.0})
    ]  # fmt: skip
    daily = {"campaign_id": "CMP-001", "date": "2025-03-02", "spend": "150.25", "impressions": "25000", "clicks": "800",
             "conversions": "2"}  # fmt: skip
    assert stage("campaign_csv", "CampaignDaily", daily, key="CMP-001:2025-03-02") == [
        ("stg_campaign_daily", {"campaign_source_key": "CMP-001", "day": dt.date(2025, 3, 2), "spend": 150.25,
                                "impressions": 25000, "clicks": 800, "conversions": 2})
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "entity", "payload", "rule", "field"),
    [
        ("quickbooks_export", "Customer", {**QB_CUSTOMER, "DisplayName": " "}, "required", "DisplayName"),
        ("quickbooks_export", "Invoice", {"Id": "1", "TxnDate": "2025-01-01", "CustomerRef": {"value": "5"}, "Line": []}, "required", "Line"),
        ("quickbooks_export", "Budget", {"Id": "1"}, "entity", None),
        ("spreadsheet", "Lead", {"Company": "X", "Status": "on hold"}, "enum", "Status"),
        ("spreadsheet", "Activity", {"Date": "01/02/2025", "Type": "call"}, "required", "Account"),
        ("campaign_csv", "CampaignDaily", {"campaign_id": "C", "date": "2025-01-01", "spend": "1", "impressions": "-4",
                                           "clicks": "1", "conversions": "0"}, "range", "impressions"),
        ("directory_html", "Listing", {"listing_id": "a", "name": "X", "rating": "7"}, "range", "rating"),
        ("instagram_export", "Comment", {"_unparsed": "{", "_error": "invalid JSON"}, "parse", None),
    ],
)  # fmt: skip
def test_invalid_records_are_rejected_naming_rule_and_field(
    kind: str, entity: str, payload: dict[str, Any], rule: str, field: str | None
) -> None:
    with pytest.raises(Rejected) as caught:
        stage(kind, entity, payload)
    assert (caught.value.rule, caught.value.field) == (rule, field)


def test_row_refuses_a_column_the_schema_does_not_have() -> None:
    with pytest.raises(ValueError, match="no column"):
        row("stg_customer", {"source_key": "1", "entity": "Customer", "nickname": "x"})


def test_a_bad_contact_field_is_flagged_and_staged_empty_and_the_record_still_stages() -> None:
    customer = {**QB_CUSTOMER, "PrimaryPhone": {"FreeFormNumber": "12345"},
                "PrimaryEmailAddr": {"Address": "accounts@@hughes.co.uk"}}  # fmt: skip
    rows = stage("quickbooks_export", "Customer", customer, key="58", source="qbo")
    assert [table for table, _ in rows] == ["stg_customer", "stg_field_flag", "stg_field_flag"]
    staged = rows[0][1]
    assert (staged["display_name"], staged["phone"], staged["email"]) == ("Hughes & Sons Ltd", None, None)
    assert staged["postcode"] == "SW1A 1AA"  # the fields that pass are staged as usual
    flags = [values for _, values in rows[1:]]
    assert [(f["entity"], f["record_key"], f["field"], f["rule"], f["raw_value"]) for f in flags] == [
        ("Customer", "58", "PrimaryEmailAddr.Address", "email_format", "accounts@@hughes.co.uk"),
        ("Customer", "58", "PrimaryPhone.FreeFormNumber", "phone_format", "12345"),
    ]
    assert flags[1]["message"] == "PrimaryPhone.FreeFormNumber: '12345' is not a valid phone number in GB"


def test_an_unknown_country_is_flagged_and_the_record_is_read_without_a_country() -> None:
    customer = {
        **QB_CUSTOMER,
        "BillAddr": {"Line1": "1 Lamp Post Way", "PostalCode": "cp 1", "Country": "Narnia"},
    }
    rows = stage("quickbooks_export", "Customer", customer)
    staged = rows[0][1]
    # an international number still reads; the postcode of a country nobody knows passes as tidy text
    assert (staged["country"], staged["phone"], staged["postcode"]) == (None, "+442079460123", "CP 1")
    assert [(v["field"], v["rule"], v["raw_value"]) for _, v in rows[1:]] == [
        ("BillAddr.Country", "country_format", "Narnia")
    ]


def test_a_us_customer_of_a_uk_firm_is_read_by_its_own_address_country() -> None:
    customer = {**QB_CUSTOMER, "PrimaryPhone": {"FreeFormNumber": "(650) 555-3311"},
                "BillAddr": {"Line1": "4581 Finch St.", "City": "Bayshore", "CountrySubDivisionCode": "CA",
                             "PostalCode": "94326", "Country": "USA"}}  # fmt: skip
    [(table, staged)] = stage("quickbooks_export", "Customer", customer)
    assert (table, staged["phone"], staged["postcode"], staged["country"]) == (
        "stg_customer", "+16505553311", "94326", "US",
    )  # fmt: skip


def test_a_directory_source_of_another_country_reads_its_listings_in_that_country() -> None:
    listing = {"listing_id": "7", "name": "Reef City Plumbing", "phone": "(07) 4051 2345", "postcode": "4870"}
    source = SourceConfig("yp_au", "directory_html", None, {"country": "AU"})
    [row] = CONNECTORS["directory_html"].stager_for(source, home=Locale("GB", "GBP"))(
        RawRecord("yp_au", "Listing", "7", listing)
    )
    assert (row.values["phone"], row.values["postcode"], row.values["country"]) == (
        "+61740512345",
        "4870",
        None,
    )
    # the same listing read as a UK firm's own: both fields flagged, the listing still staged
    rows = CONNECTORS["directory_html"].stage(RawRecord("dir", "Listing", "7", listing), Locale("GB", "GBP"))
    assert [(r.table, r.values.get("field")) for r in rows] == [
        ("stg_customer", None), ("stg_field_flag", "phone"), ("stg_field_flag", "postcode"),
    ]  # fmt: skip
