"""The ShipStation side on every official fixture in ../shared/fixtures/shipstation/, plus the pure rules:
resource_url hosts, carrier mapping, package lines, the order we send."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import responses

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from logistics.models import ShipStationAccount
from logistics.shipstation.carriers import map_carrier
from logistics.shipstation.client import ShipStationClient
from logistics.shipstation.marketplace_tracking import lines_of_package
from logistics.shipstation.order_payload import build_order, order_key_for
from logistics.shipstation.outbound import outcomes_from_answer
from logistics.shipstation.resource_urls import resource_url_allowed
from logistics.shipstation.shipments import SHIP_EVENTS, parse_fulfillment, parse_shipment
from logistics.shipstation.webhooks import ShipStationWebhookView
from tests.conftest import SHARED_FIXTURES, load_fixture

BASE = "https://ssapi.shipstation.com"
DEFAULT_HOSTS = ShipStationAccount._meta.get_field("allowed_resource_hosts").default

COVERED = {
    "create_orders_response.sample.json": "test_create_orders_answer_is_judged_per_order",
    "get_order_response.sample.json": "test_the_order_we_send_has_the_get_order_shape",
    "list_stores_response.sample.json": "test_list_stores",
    "shipment_object.sample.json": "test_shipment_object_is_parsed",
    "webhook_order_notify.sample.json": "test_webhook_bodies",
    "webhook_subscribe_request.sample.json": "test_subscribe_request_and_answer",
    "webhook_subscribe_response.sample.json": "test_subscribe_request_and_answer",
    "v2_webhook_batch_processed.sample.json": "test_webhook_bodies",
}


def test_every_shipstation_fixture_has_a_test():
    assert {p.name for p in (SHARED_FIXTURES / "shipstation").iterdir()} == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


def _account(**kw):
    return SimpleNamespace(pk=1, base_url=BASE, api_key="k", api_secret="s", requests_per_minute=40, **kw)


def test_create_orders_answer_is_judged_per_order():
    answer = load_fixture("shipstation/create_orders_response.sample.json")
    answer["results"][1].update(success=False, errorMessage="Invalid state code")
    outcomes = outcomes_from_answer(
        {1: "0f6bec18-3e89-4881-83aa-f392d84f4c74", 2: "0d6bec18-3e79-4981-83ca-f392d84f4c19", 3: "missing"},
        answer,
    )
    assert outcomes[1]["orderId"] == 168426889
    # a refusal about the order's data is not retried (issue 8): it fails that order at once
    assert isinstance(outcomes[2], PermanentError) and "Invalid state code" in str(outcomes[2])
    assert isinstance(outcomes[3], RetryableError)


def test_a_refusal_because_the_order_already_shipped_is_done():
    answer = {
        "results": [
            {"orderKey": "k", "success": False, "errorMessage": "The order is shipped and cannot be updated."}
        ]
    }
    assert outcomes_from_answer({1: "k"}, answer)[1]["note"].startswith("already shipped")


def test_the_order_we_send_has_the_get_order_shape():
    example = load_fixture("shipstation/get_order_response.sample.json")
    order = SimpleNamespace(
        marketplace_order_id="113-1",
        purchased_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        order_total=Decimal("21.00"),
        account=SimpleNamespace(channel="amazon"),
        buyer={
            "name": "Jane",
            "email": "j@x",
            "ship_to": {
                "name": "Jane",
                "street1": "1 A St",
                "city": "Town",
                "state": "WA",
                "postal_code": "1",
                "country": "US",
            },
        },
    )
    lines = [SimpleNamespace(line_id="L1", sku="A", title="Thing", quantity=2, unit_price=Decimal("10.50"))]
    sent = build_order(order, lines, order_key="amazon:113-1", store_id=310001)
    assert set(sent) <= set(example)
    assert set(sent["shipTo"]) <= set(example["shipTo"])
    assert set(sent["items"][0]) <= set(example["items"][0])
    assert set(sent["advancedOptions"]) <= set(example["advancedOptions"])
    assert sent["orderNumber"] == sent["advancedOptions"]["customField1"] == "113-1"
    assert sent["advancedOptions"]["storeId"] == 310001
    assert sent["orderDate"] == "2026-01-01T19:04:05.0000000"  # ShipStation reads Pacific time (issue 8)
    assert sent["items"][0] == {
        "lineItemKey": "L1",
        "sku": "A",
        "name": "Thing",
        "quantity": 2,
        "unitPrice": 10.5,
        "adjustment": False,
    }
    json.dumps(sent)


def test_order_keys_are_stable_per_channel_and_order_id():
    assert order_key_for("amazon", 1, "113-1") == order_key_for("amazon", 2, "113-1") == "amazon:113-1"


@responses.activate
def test_list_stores():
    responses.add(
        responses.GET, f"{BASE}/stores", json=load_fixture("shipstation/list_stores_response.sample.json")
    )
    stores = ShipStationClient(_account()).list_stores()
    assert [s["storeId"] for s in stores] == [22766, 25748]
    assert responses.calls[0].request.headers["Authorization"] == "Basic azpz"


def test_shipment_object_is_parsed():
    parsed = parse_shipment(load_fixture("shipstation/shipment_object.sample.json"))
    assert (parsed.external_id, parsed.shipstation_order_id, parsed.order_key, parsed.order_number) == (
        33974374,
        43945660,
        "8061c220f0794a9b92460b8bae6837e4",
        "100038-1",
    )
    assert (parsed.tracking_number, parsed.carrier_code, parsed.service_code) == (
        "9400111899561704681189",
        "stamps_com",
        "usps_first_class_mail",
    )
    assert parsed.ship_date == date(2014, 10, 3) and not parsed.voided
    assert parsed.items == [{"lineItemKey": None, "sku": "SQ3785739", "quantity": 1}]


def test_fulfillment_is_parsed():
    parsed = parse_fulfillment(
        {
            "fulfillmentId": 5,
            "orderId": 9,
            "orderNumber": "N",
            "trackingNumber": "T",
            "carrierCode": "ups",
            "shipDate": "2026-01-02T00:00:00.0000000",
            "voided": False,
        }
    )
    assert (parsed.external_id, parsed.order_key, parsed.items, parsed.ship_date) == (
        5,
        "",
        [],
        date(2026, 1, 2),
    )


def test_webhook_bodies():
    order_notify = load_fixture("shipstation/webhook_order_notify.sample.json")
    v2 = load_fixture("shipstation/v2_webhook_batch_processed.sample.json")
    assert order_notify["resource_type"] not in SHIP_EVENTS  # stored, ignored
    assert v2["resource_type"] not in SHIP_EVENTS
    # the sample's placeholder host ssapiX.shipstation.com fits the default pattern; V2's host does not
    assert resource_url_allowed(order_notify["resource_url"], DEFAULT_HOSTS, "")
    assert not resource_url_allowed(v2["resource_url"], DEFAULT_HOSTS, "")
    assert ShipStationWebhookView().parse(json.dumps(order_notify).encode()) == order_notify


@responses.activate
def test_subscribe_request_and_answer():
    request_fixture = load_fixture("shipstation/webhook_subscribe_request.sample.json")
    responses.add(
        responses.POST,
        f"{BASE}/webhooks/subscribe",
        json=load_fixture("shipstation/webhook_subscribe_response.sample.json"),
    )
    hook_id = ShipStationClient(_account()).subscribe_webhook(
        request_fixture["target_url"], request_fixture["event"], request_fixture["friendly_name"]
    )
    assert hook_id == 123456
    assert json.loads(responses.calls[0].request.body) == request_fixture


@responses.activate
@pytest.mark.django_db
def test_429_waits_for_the_rate_limit_reset():
    responses.add(
        responses.GET, f"{BASE}/shipments", status=429, headers={"X-Rate-Limit-Reset": "17"}, json={}
    )
    with pytest.raises(ThrottledError) as caught:
        next(ShipStationClient(_account()).list_shipments())
    assert caught.value.wait_seconds == 17


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ssapi.shipstation.com/shipments?batchId=1", True),
        ("https://ssapi6.shipstation.com/shipments", True),
        ("http://ssapi.shipstation.com/shipments", False),
        ("https://ssapi.shipstation.com.evil.example/x", False),
        ("https://user:pw@ssapi.shipstation.com/x", False),
        ("https://attacker.example/shipments", False),
        ("http://127.0.0.1:8101/shipments?batchId=1", True),
        ("http://127.0.0.1:9999/shipments", False),
        ("not a url", False),
    ],
)
def test_resource_url_hosts(url, ok):
    assert resource_url_allowed(url, DEFAULT_HOSTS, "http://127.0.0.1:8101") is ok


def test_carrier_mapping_defaults_overrides_and_other():
    assert map_carrier("amazon", "stamps_com") == ("USPS", "")
    assert map_carrier("amazon", "fedex") == ("FedEx", "")
    assert map_carrier("amazon", "evri_uk") == ("Other", "Evri Uk")
    assert map_carrier("amazon", "fedex", ("FedEx Freight", "")) == ("FedEx Freight", "")
    assert map_carrier("amazon", "local", ("Other", "Local Courier")) == ("Other", "Local Courier")


def test_package_lines_by_line_key_then_sku_else_all():
    lines = [
        SimpleNamespace(line_id="1", sku="A", quantity=2),
        SimpleNamespace(line_id="2", sku="B", quantity=1),
    ]
    assert lines_of_package(lines, [{"lineItemKey": "2", "sku": "B", "quantity": 1}]) == [("2", 1)]
    assert lines_of_package(lines, [{"lineItemKey": None, "sku": "A", "quantity": 5}]) == [("1", 2)]
    assert lines_of_package(lines, []) == [("1", 2), ("2", 1)]


def test_field_mapping_from_an_amazon_order_to_shipstation(fixture_payload):
    """Issue 8, point 8: latest ship date, requested service, amounts and currency, dates in Pacific time."""
    from marketplaces.connectors.amazon import parse_order

    record = fixture_payload("amazon/orders-2026-01-01_searchOrders_200_sandbox-response_3.json")["orders"][0]
    record["orderItems"][0]["proceeds"]["breakdowns"] += [
        {"type": "SHIPPING", "subtotal": {"amount": "25.00", "currencyCode": "BRL"}},
        {"type": "TAX", "subtotal": {"amount": "12.30", "currencyCode": "BRL"}},
    ]
    pulled = parse_order(record)
    order = SimpleNamespace(
        marketplace_order_id=pulled.marketplace_order_id,
        purchased_at=pulled.purchased_at,
        created_at=pulled.purchased_at,
        order_total=pulled.total,
        shipping_amount=pulled.shipping_amount,
        tax_amount=pulled.tax_amount,
        currency=pulled.currency,
        ship_by=pulled.ship_by,
        shipping_service=pulled.shipping_service,
        account=SimpleNamespace(channel="amazon"),
        buyer=pulled.buyer,
    )
    sent = build_order(order, pulled.lines, order_key="amazon:x", store_id=310001)
    example = load_fixture("shipstation/get_order_response.sample.json")
    assert set(sent) <= set(example) and set(sent["advancedOptions"]) <= set(example["advancedOptions"])
    assert sent["orderDate"] == "2024-12-22T07:30:00.0000000"  # 15:30 UTC = 07:30 PST
    assert sent["shipByDate"] == "2024-12-24T15:59:59.0000000"  # latestDateTime 23:59:59 UTC
    assert sent["requestedShippingService"] == "STANDARD"
    assert (sent["amountPaid"], sent["shippingAmount"], sent["taxAmount"]) == (1599.9, 25.0, 12.3)
    assert sent["advancedOptions"]["customField3"] == "Currency: BRL"


def test_field_mapping_from_an_ebay_order():
    from marketplaces.clients.ebay_xml import parse_xml
    from marketplaces.connectors.ebay import parse_orders_page

    xml = (
        SHARED_FIXTURES / "ebay" / "trading-GetOrdersResponse-completed-shipped-with-tracking.xml"
    ).read_bytes()
    orders, _ = parse_orders_page(parse_xml(xml))
    pulled = orders[0]
    assert pulled.ship_by == datetime(2021, 9, 3, 4, 59, 59, tzinfo=UTC)  # HandleByTime
    assert pulled.shipping_service == "ShippingMethodStandard"
    assert (pulled.shipping_amount, pulled.tax_amount, pulled.currency) == (
        Decimal("0.0"),
        Decimal("2.15"),
        "USD",
    )
