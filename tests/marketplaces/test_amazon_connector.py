"""The Amazon connector on every official fixture in ../shared/fixtures/amazon/, its client (LWA token cache,
throttling, errors) and quantities through the simulator (patchListingsItem and JSON_LISTINGS_FEED)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import responses

from integration_server.http.errors import PermanentError, ThrottledError
from marketplaces.clients.amazon import AmazonClient, api_base_url
from marketplaces.connectors import QuantityUpdate, ShipmentConfirmation
from marketplaces.connectors.amazon import (
    AmazonConnector,
    confirmation_body,
    listings_feed,
    parse_search_page,
    results_from_report,
)
from marketplaces.models import MarketplaceAccount
from tests.conftest import SHARED_FIXTURES, load_fixture
from tests.plugins.orders_flow import make_amazon_account

pytestmark = pytest.mark.django_db

HOST = "https://sellingpartnerapi-na.amazon.com"


@pytest.fixture
def account():
    from django.core.cache import cache

    cache.clear()
    return MarketplaceAccount.objects.create(
        channel="amazon",
        name="Amazon NA",
        credentials={"client_id": "cid", "client_secret": "csecret", "refresh_token": "Atzr|r"},
        options={
            "marketplace_ids": ["ATVPDKIKX0DER"],
            "seller_id": "AXXXXXXXXXXXX",
            "product_type": "LUGGAGE",
        },
    )


def _token():
    responses.add(
        responses.POST,
        "https://api.amazon.com/auth/o2/token",
        json={"access_token": "Atza|t", "token_type": "bearer", "expires_in": 3600},
    )


# --- every fixture --------------------------------------------------------------------------------------
COVERED = {
    "orders-2026-01-01_searchOrders_200_sandbox-response_1.json": "test_search_page_1_is_fba_and_skipped",
    "orders-2026-01-01_searchOrders_200_sandbox-response_2.json": "test_search_page_2_shipped_mfn_order",
    "orders-2026-01-01_searchOrders_200_sandbox-response_3.json": "test_search_page_3_unshipped_order_is_what_we_import",
    "orders-v0_confirmShipment_sandbox-request.json": "test_confirmation_body_has_the_fixture_shape",
    "orders-v0_confirmShipment_400_sandbox-response.json": "test_confirm_shipment_400_is_a_permanent_error",
    "listings-2021-08-01_patchListingsItem_200_sandbox-response.json": "test_patch_listings_item_answer",
    "listings-feed-v2_JSON_LISTINGS_FEED_example.json": "test_feed_message_matches_the_merge_example",
    "listings-feed-v2_processing-report_example.json": "test_processing_report_maps_errors_to_skus",
    "feeds-2021-06-30_createFeed_sandbox-request.json": "test_create_feed_request_and_answer",
    "feeds-2021-06-30_createFeed_202_sandbox-response.json": "test_create_feed_request_and_answer",
    "orders-v0_getOrders_200_sandbox-response.json": "test_deprecated_v0_reads_are_not_parsed_as_orders",
    "orders-v0_getOrderItems_200_sandbox-response.json": "test_deprecated_v0_reads_are_not_parsed_as_orders",
    "orders-v0_getOrderAddress_200_sandbox-response.json": "test_deprecated_v0_reads_are_not_parsed_as_orders",
    "notification_ORDER_CHANGE_example.json": "test_notifications_are_not_orders",
    "notification_LISTINGS_ITEM_MFN_QUANTITY_CHANGE_example.json": "test_notifications_are_not_orders",
}


def test_every_amazon_fixture_has_a_test():
    assert {p.name for p in (SHARED_FIXTURES / "amazon").iterdir()} == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


def test_search_page_1_is_fba_and_skipped():
    page = parse_search_page(
        load_fixture("amazon/orders-2026-01-01_searchOrders_200_sandbox-response_1.json")
    )
    assert page.orders == []
    assert page.next_token == "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4"


def test_search_page_2_shipped_mfn_order():
    page = parse_search_page(
        load_fixture("amazon/orders-2026-01-01_searchOrders_200_sandbox-response_2.json")
    )
    (order,) = page.orders
    assert order.marketplace_order_id == "202-7654321-1098765"
    assert order.is_shipped and not order.is_cancelled
    assert order.sales_channel == "A1F83G8C2ARO7P"
    assert order.lines[0].sku == "ECHO-DOT-4-UK-CHARCOAL-SINGLE"
    assert order.lines[0].unit_price == Decimal("34.99")
    assert order.raw["packages"][0]["trackingNumber"] == "15501234567890123456"
    assert page.next_token is None


def test_search_page_3_unshipped_order_is_what_we_import():
    (order,) = parse_search_page(
        load_fixture("amazon/orders-2026-01-01_searchOrders_200_sandbox-response_3.json")
    ).orders
    assert order.marketplace_order_id == "171-2345678-9012345"
    assert order.status == "UNSHIPPED" and not order.is_shipped
    assert order.updated_at.tzinfo is not None
    assert [(li.line_id, li.sku, li.quantity) for li in order.lines] == [
        ("17123456789012", "DELL-I15-BR-001", 1)
    ]
    assert order.total == Decimal("1599.90") and order.currency == "BRL"
    assert order.buyer["name"] == "Carlos Oliveira"
    assert order.buyer["ship_to"]["city"] == "São Paulo"
    assert order.buyer["ship_to"]["state"] == "SP"
    assert order.buyer["ship_to"]["company"] == "Oliveira Tecnologia Ltda"


def test_confirmation_body_has_the_fixture_shape():
    fixture = load_fixture("amazon/orders-v0_confirmShipment_sandbox-request.json")
    body = confirmation_body(
        ShipmentConfirmation(
            marketplace_order_id="x",
            tracking_number="112345678",
            carrier_code="FedEx",
            carrier_name="FedEx",
            shipping_method="FedEx Ground",
            ship_date=datetime(2022, 2, 11, 1, tzinfo=UTC),
            lines=[("79039765272157", 1)],
            package_reference="1",
        ),
        "ATVPDKIKX0DER",
    )
    expected = {**fixture["packageDetail"]}
    expected.pop("shipFromSupplySourceId")
    expected["orderItems"] = [
        {k: v for k, v in i.items() if k != "transparencyCodes"} for i in expected["orderItems"]
    ]
    assert body == {"marketplaceId": fixture["marketplaceId"], "packageDetail": expected}


def test_other_carrier_carries_a_name():
    body = confirmation_body(
        ShipmentConfirmation(
            marketplace_order_id="x", tracking_number="T", carrier_code="Other", carrier_name="Evri"
        ),
        "ATVPDKIKX0DER",
    )
    assert body["packageDetail"]["carrierCode"] == "Other" and body["packageDetail"]["carrierName"] == "Evri"


@responses.activate
def test_confirm_shipment_400_is_a_permanent_error(account):
    _token()
    responses.add(
        responses.POST,
        f"{HOST}/orders/v0/orders/902-1845936-5435065/shipmentConfirmation",
        status=400,
        json=load_fixture("amazon/orders-v0_confirmShipment_400_sandbox-response.json"),
    )
    with pytest.raises(PermanentError, match="Invalid Input"):
        AmazonConnector(account).confirm_shipment(
            ShipmentConfirmation(
                marketplace_order_id="902-1845936-5435065", tracking_number="1", carrier_code="UPS"
            )
        )
    assert responses.calls[1].request.headers["x-amz-access-token"] == "Atza|t"


@responses.activate
def test_patch_listings_item_answer(account):
    _token()
    responses.add(
        responses.PATCH,
        f"{HOST}/listings/2021-08-01/items/AXXXXXXXXXXXX/GM-ZDPI-9B4E",
        json=load_fixture("amazon/listings-2021-08-01_patchListingsItem_200_sandbox-response.json"),
    )
    (result,) = AmazonConnector(account).update_quantities([QuantityUpdate("GM-ZDPI-9B4E", 7)])
    assert result.accepted and result.sku == "GM-ZDPI-9B4E"
    sent = responses.calls[1].request
    assert "marketplaceIds=ATVPDKIKX0DER" in sent.url
    import json

    assert json.loads(sent.body) == {
        "productType": "LUGGAGE",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
            }
        ],
    }


def test_feed_message_matches_the_merge_example():
    example = load_fixture("amazon/listings-feed-v2_JSON_LISTINGS_FEED_example.json")
    feed = listings_feed("AXXXXXXXXXXXX", [QuantityUpdate("My-SKU-E", 10)], lambda sku: "LUGGAGE")
    merge_example = next(m for m in example["messages"] if m["messageId"] == 5)
    assert feed["messages"][0] == {**merge_example, "messageId": 1}
    assert {k: feed["header"][k] for k in ("sellerId", "version", "issueLocale")} == {
        k: example["header"][k] for k in ("sellerId", "version", "issueLocale")
    }


def test_processing_report_maps_errors_to_skus():
    report = load_fixture("amazon/listings-feed-v2_processing-report_example.json")
    updates = [QuantityUpdate(f"S{n}", n) for n in range(1, 6)]
    results = results_from_report(updates, report)
    assert [r.accepted for r in results] == [True, True, True, False, False]
    assert "batteries_required" in results[3].reason and "99022" in results[4].reason


@responses.activate
def test_create_feed_request_and_answer(account):
    _token()
    request_fixture = load_fixture("amazon/feeds-2021-06-30_createFeed_sandbox-request.json")
    responses.add(
        responses.POST,
        f"{HOST}/feeds/2021-06-30/feeds",
        status=202,
        json=load_fixture("amazon/feeds-2021-06-30_createFeed_202_sandbox-response.json"),
    )
    client = AmazonClient(account)
    feed_id = client.create_feed(
        "JSON_LISTINGS_FEED", request_fixture["marketplaceIds"], request_fixture["inputFeedDocumentId"]
    )
    assert feed_id == "3485934"
    import json

    sent = json.loads(responses.calls[1].request.body)
    assert set(sent) == set(request_fixture)
    assert sent["feedType"] == "JSON_LISTINGS_FEED"  # the fixture's POST_PRODUCT_DATA no longer works


@pytest.mark.parametrize(
    "name",
    [
        "orders-v0_getOrders_200_sandbox-response.json",
        "orders-v0_getOrderItems_200_sandbox-response.json",
        "orders-v0_getOrderAddress_200_sandbox-response.json",
    ],
)
def test_deprecated_v0_reads_are_not_parsed_as_orders(name):
    """v0 reads are deprecated (reference: kept for comparison); their shape yields nothing, loudly not orders."""
    assert parse_search_page(load_fixture(f"amazon/{name}")).orders == []


@pytest.mark.parametrize(
    "name",
    ["notification_ORDER_CHANGE_example.json", "notification_LISTINGS_ITEM_MFN_QUANTITY_CHANGE_example.json"],
)
def test_notifications_are_not_orders(name):
    """Orders are polled (SPEC 2); push payloads need an AWS queue of ours and are not consumed."""
    assert parse_search_page(load_fixture(f"amazon/{name}")).orders == []


# --- client behaviour ---------------------------------------------------------------------------------------
@responses.activate
def test_the_lwa_token_is_cached_until_shortly_before_expiry(account):
    _token()
    responses.add(responses.GET, f"{HOST}/orders/2026-01-01/orders", json={"orders": []})
    connector = AmazonConnector(account)
    list(connector.iter_orders(datetime(2026, 1, 1, tzinfo=UTC)))
    list(AmazonConnector(account).iter_orders(datetime(2026, 1, 1, tzinfo=UTC)))
    token_calls = [c for c in responses.calls if "auth/o2/token" in c.request.url]
    assert len(token_calls) == 1
    assert "grant_type=refresh_token" in token_calls[0].request.body


@responses.activate
def test_429_is_a_throttle_paced_by_the_applied_rate(account):
    _token()
    responses.add(
        responses.GET,
        f"{HOST}/orders/2026-01-01/orders",
        status=429,
        json={"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]},
        headers={"x-amzn-RateLimit-Limit": "0.5"},
    )
    with pytest.raises(ThrottledError) as caught:
        AmazonClient(account).search_orders({"marketplaceIds": "ATVPDKIKX0DER"})
    assert caught.value.wait_seconds == 2.0


def test_sandbox_switch_and_override_choose_the_host(account):
    assert api_base_url(account) == "https://sellingpartnerapi-na.amazon.com"
    account.sandbox = True
    assert api_base_url(account) == "https://sandbox.sellingpartnerapi-na.amazon.com"
    account.options["region"] = "eu"
    assert api_base_url(account) == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    account.api_base_url = "http://127.0.0.1:8102"
    assert api_base_url(account) == "http://127.0.0.1:8102"


# --- quantities through the simulator -----------------------------------------------------------------------
def test_a_few_skus_go_as_listing_patches(amazon_sim):
    account = make_amazon_account(amazon_sim)
    amazon_sim.rejected_skus["BAD"] = "'[batteries_required]' is required but not supplied."
    results = AmazonConnector(account).update_quantities([QuantityUpdate("A", 3), QuantityUpdate("BAD", 1)])
    assert [(r.sku, r.accepted) for r in results] == [("A", True), ("BAD", False)]
    assert "batteries_required" in results[1].reason
    assert amazon_sim.listings["A"]["quantity"] == 3
    assert len(amazon_sim.calls("PATCH")) == 2 and not amazon_sim.calls("POST", "/feeds")


def test_patches_past_the_burst_wait_for_the_bucket_and_keep_every_result(amazon_sim):
    account = make_amazon_account(amazon_sim)
    updates = [QuantityUpdate(f"P-{n}", n) for n in range(8)]  # burst 5 per second, then 429
    results = AmazonConnector(account).update_quantities(updates)
    assert [(r.sku, r.accepted) for r in results] == [(f"P-{n}", True) for n in range(8)]
    assert {sku: v["quantity"] for sku, v in amazon_sim.listings.items()} == {f"P-{n}": n for n in range(8)}
    patches = amazon_sim.calls("PATCH")
    assert len(patches) > 8  # some were throttled and sent again after the wait


def test_many_skus_go_as_one_json_listings_feed(amazon_sim):
    account = make_amazon_account(amazon_sim)
    amazon_sim.rejected_skus["SKU-7"] = "not supplied"
    updates = [QuantityUpdate(f"SKU-{n}", n) for n in range(60)]
    results = AmazonConnector(account).update_quantities(updates)
    assert len(amazon_sim.calls("POST", "/feeds/2021-06-30/feeds")) == 1
    assert not amazon_sim.calls("PATCH")
    assert {sku: v["quantity"] for sku, v in amazon_sim.listings.items()} == {
        f"SKU-{n}": n for n in range(60) if n != 7
    }
    assert [r.sku for r in results if not r.accepted] == ["SKU-7"]
    assert AmazonConnector.max_quantity_batch <= 25_000


def test_a_feed_still_processing_is_reported_pending_and_its_report_read_later(amazon_sim):
    account = make_amazon_account(amazon_sim)
    amazon_sim.feed_processing_seconds = 3600
    amazon_sim.rejected_skus["SKU-7"] = "not supplied"
    updates = [QuantityUpdate(f"SKU-{n}", n) for n in range(30)]
    connector = AmazonConnector(account)
    results = connector.update_quantities(updates)  # AMAZON_FEED_WAIT_SECONDS = 0: no waiting in the worker
    assert {(r.accepted, r.pending) for r in results} == {(True, "50001")}
    assert amazon_sim.listings == {}
    assert connector.quantity_results("50001", updates) is None
    amazon_sim.finish_feeds(force=True)
    final = connector.quantity_results("50001", updates)
    assert [r.sku for r in final if not r.accepted] == ["SKU-7"] and not any(r.pending for r in final)
    assert len(amazon_sim.listings) == 29


def test_a_throttled_status_read_after_create_feed_leaves_the_feed_pending_not_resent():
    from django.core.cache import cache

    from integration_server.simulators import serve_in_thread
    from marketplaces.simulators.amazon import AmazonSimulator

    sim = AmazonSimulator(limits={"getFeed": ("2.0", 0, 60.0)})  # every getFeed answers 429
    server = serve_in_thread(sim)
    cache.clear()  # LWA tokens of other simulators
    try:
        results = AmazonConnector(make_amazon_account(sim)).update_quantities(
            [QuantityUpdate(f"SKU-{n}", n) for n in range(25)]
        )
    finally:
        server.shutdown()
    assert {r.pending for r in results} == {"50001"} and all(r.accepted for r in results)
    assert len(sim.calls("POST", "/feeds/2021-06-30/feeds")) == 1


def test_open_orders_for_the_alerts(amazon_sim):
    account = make_amazon_account(amazon_sim)
    amazon_sim.add_order("115-0000000-0000001")
    amazon_sim.add_order("115-0000000-0000002", status="CANCELLED")
    amazon_sim.add_order("115-0000000-0000003", fulfilled_by="AMAZON")
    assert [o.marketplace_order_id for o in AmazonConnector(account).list_open_orders()] == [
        "115-0000000-0000001"
    ]
