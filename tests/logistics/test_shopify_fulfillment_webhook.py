"""POST /webhook/shopify: HMAC, webhook-id dedupe, topics; the fixtures end to end against the simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from integration_server.models import OutboundJob, RawPayload
from logistics.models import ShopifyOrder, TrackedShipment
from logistics.shopify.signature import webhook_hmac
from notifications.models import Notification
from tests.conftest import load_fixture
from tests.plugins.notifications import SHOP_DOMAIN, SHOP_SECRET, drain, fixture_bytes, post_shopify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]

FIXTURE_ORDER_ID = 820982911946154508


def _seed_fixture_order(sim):
    payload = load_fixture("shopify/fulfillments_create.sample.json")
    sim.add_order(
        FIXTURE_ORDER_ID,
        email="jon@example.com",
        name="#9999",
        first_name="Jon",
        lines=[(line["sku"], line["title"], line["quantity"]) for line in payload["line_items"]],
    )
    sim.fulfill(
        FIXTURE_ORDER_ID,
        [(line["sku"], line["quantity"]) for line in payload["line_items"]],
        payload["tracking_numbers"],
        fulfillment_id=payload["id"],
    )
    return payload


@pytest.mark.parametrize(
    "fixture,topic",
    [
        ("shopify/fulfillments_create.sample.json", "fulfillments/create"),
        ("shopify/fulfillments_update.sample.json", "fulfillments/update"),
    ],
)
def test_fixture_fulfillment_is_processed(client, shop, shopify_sim, anymail_test_backend, fixture, topic):
    shop.presale_sku_prefixes = "LENS-"
    shop.save()
    _seed_fixture_order(shopify_sim)
    body = fixture_bytes(fixture)
    response = post_shopify(client, body, topic=topic)
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    drain()
    order = ShopifyOrder.objects.get(shop=shop, order_id=str(FIXTURE_ORDER_ID))
    assert (order.name, order.email, order.package_count) == ("#9999", "jon@example.com", 1)
    shipment = TrackedShipment.objects.get()
    assert shipment.tracking_number == "1z827wk74630"
    assert shipment.shopify_order == order and shipment.recipient_email == "jon@example.com"
    assert shipment.carrier == "UPS" and len(shipment.items) == 5
    # one package, everything shipped: no split email; the LENS- line is a pre-sale line
    assert list(Notification.objects.values_list("kind", "state")) == [("presale_shipped", "sent")]
    [message] = anymail_test_backend
    assert message.subject == "Fiido Test: your pre-order #9999 has shipped"
    assert message.from_email == "Fiido Shipping <shipping@fiido.example>"
    assert "Lens Protection Plan" in message.body and "1z827wk74630" in message.body
    # the GraphQL order was read with the shop's token
    [call] = shopify_sim.calls("POST", "/admin/api/2026-07/graphql.json")
    assert json.loads(call.body)["variables"] == {"id": f"gid://shopify/Order/{FIXTURE_ORDER_ID}"}


def test_fulfillment_event_fixture_is_acknowledged_and_ignored(client, shop, shopify_sim):
    body = fixture_bytes("shopify/fulfillment_events_create.sample.json")
    response = post_shopify(client, body, topic="fulfillment_events/create")
    assert response.status_code == 200
    assert RawPayload.objects.get().state == "ignored"
    assert not OutboundJob.objects.filter(kind="webhook.shopify").exists()
    assert shopify_sim.calls() == []


def test_header_sample_hmac_matches_no_body_and_is_refused(client, shop):
    lines = load_fixture("shopify/webhook_delivery_headers.sample.txt").splitlines()[2:]
    headers = dict(line.split(": ", 1) for line in lines if ": " in line)
    body = fixture_bytes("shopify/fulfillments_create.sample.json")
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k.startswith("X-")}
    meta["HTTP_X_SHOPIFY_SHOP_DOMAIN"] = SHOP_DOMAIN
    response = client.post("/webhook/shopify", data=body, content_type="application/json", **meta)
    assert response.status_code == 401
    # the same delivery signed with the shop's secret is accepted; its topic (products/update) is ignored
    meta["HTTP_X_SHOPIFY_HMAC_SHA256"] = webhook_hmac(body, SHOP_SECRET)
    response = client.post("/webhook/shopify", data=body, content_type="application/json", **meta)
    assert response.status_code == 401  # the sample's trigger time is outside the replay window
    meta["HTTP_X_SHOPIFY_TRIGGERED_AT"] = datetime.now(UTC).isoformat()
    response = client.post("/webhook/shopify", data=body, content_type="application/json", **meta)
    assert response.status_code == 200
    assert RawPayload.objects.get().kind == "products/update"


@pytest.mark.parametrize("tamper", ["body", "hmac", "secret", "unknown_shop"])
def test_tampered_delivery_gets_401_and_stores_nothing(client, shop, tamper):
    body = fixture_bytes("shopify/fulfillments_create.sample.json")
    kwargs = {}
    if tamper == "secret":
        kwargs["secret"] = "wrong-secret"
    if tamper == "unknown_shop":
        kwargs["domain"] = "other.myshopify.com"
    from tests.plugins.notifications import shopify_headers

    meta = shopify_headers(body, **kwargs)
    if tamper == "body":
        body = body.replace(b"jon@example.com", b"eve@example.com")
    if tamper == "hmac":
        meta["HTTP_X_SHOPIFY_HMAC_SHA256"] = webhook_hmac(body + b" ", SHOP_SECRET)
    response = client.post("/webhook/shopify", data=body, content_type="application/json", **meta)
    assert response.status_code == 401
    assert RawPayload.objects.count() == 0 and OutboundJob.objects.count() == 0


def test_previous_secret_is_accepted_during_the_rotation_hour(client, shop):
    from django.utils import timezone

    shop.previous_webhook_secret, shop.webhook_secret = SHOP_SECRET, "new-secret"
    shop.webhook_secret_changed_at = timezone.now()
    shop.save()
    body = fixture_bytes("shopify/fulfillment_events_create.sample.json")
    assert post_shopify(client, body, topic="x/y").status_code == 200
    shop.webhook_secret_changed_at = timezone.now() - timezone.timedelta(hours=2)
    shop.save()
    assert post_shopify(client, body, topic="x/y", webhook_id="wh-2").status_code == 401


def test_repeated_delivery_has_one_effect(client, shop, shopify_sim, anymail_test_backend):
    _seed_fixture_order(shopify_sim)
    shop.presale_sku_prefixes = "SKU2006-0"
    shop.save()
    body = fixture_bytes("shopify/fulfillments_create.sample.json")
    statuses = [post_shopify(client, body, webhook_id="same-id").json()["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    # Shopify's retry with a new webhook id, and the update topic for the same fulfillment: no second email
    post_shopify(client, body, webhook_id="retry-id")
    post_shopify(
        client,
        fixture_bytes("shopify/fulfillments_update.sample.json"),
        topic="fulfillments/update",
        webhook_id="u-1",
    )
    drain()
    assert TrackedShipment.objects.count() == 1
    assert Notification.objects.count() == 1
    assert len(anymail_test_backend) == 1
    assert OutboundJob.objects.filter(kind="tracking.register").count() == 1


def test_order_the_api_cannot_see_stops_without_retrying(client, shop, shopify_sim):
    body = fixture_bytes("shopify/fulfillments_create.sample.json")  # the simulator has no such order
    post_shopify(client, body)
    drain()
    job = OutboundJob.objects.get(kind="webhook.shopify")
    assert job.state == "failed" and job.attempts == 1
    assert "not found" in job.last_error
    assert RawPayload.objects.get().state == "failed"
    assert Notification.objects.count() == 0
