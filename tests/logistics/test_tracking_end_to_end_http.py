"""The whole flow over real HTTP: the Shopify simulator posts a signed fulfillment webhook into the running
service, which reads the order from the simulator's GraphQL API, registers the number with the 17TRACK
simulator, whose signed push then triggers the delivery email; the ESP's tracking webhook marks it delivered."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from logistics.models import TrackedShipment
from notifications.models import Notification
from tests.plugins.notifications import SHOP_DOMAIN, SHOP_SECRET, after_settle_window, drain, recent

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


@pytest.mark.django_db(transaction=True)
def test_fulfillment_to_delivered_email_over_http(
    live_server, shop, tracking_account, shopify_sim, track17_sim, anymail_test_backend, settings
):
    shopify_sim.add_order(
        5001,
        email="lee@example.com",
        first_name="Lee",
        lines=[("PRE-T1", "T1 (pre-order)", 1), ("LOCK", "Lock", 1)],
    )
    payload = shopify_sim.fulfill(5001, [("PRE-T1", 1)], ["1ZLIVE0001"])

    response = shopify_sim.send_webhook(
        f"{live_server.url}/webhook/shopify",
        payload,
        secret=SHOP_SECRET,
        shop_domain=SHOP_DOMAIN,
        topic="fulfillments/create",
    )
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    shipment = TrackedShipment.objects.get(tracking_number="1ZLIVE0001")
    assert shipment.registration == "registered"  # the registration job ran against the simulator
    assert track17_sim.tracked["1ZLIVE0001"]["registered"]
    # the split email waits for the order's other packages (settle window), then goes out
    assert sorted(Notification.objects.values_list("kind", "state")) == [
        ("presale_shipped", "sent"),
        ("split_package", "pending"),
    ]
    drain(now=after_settle_window())
    assert sorted(Notification.objects.values_list("kind", "state")) == [
        ("presale_shipped", "sent"),
        ("split_package", "sent"),
    ]

    track17_sim.set_status("1ZLIVE0001", "Delivered", at=recent(1), description="Delivered, front door")
    for _ in range(3):
        assert track17_sim.push(f"{live_server.url}/webhook/17track", "1ZLIVE0001").status_code == 200
    bad = track17_sim.push(f"{live_server.url}/webhook/17track", "1ZLIVE0001", key="stolen")
    assert bad.status_code == 401
    confirm = Notification.objects.get(kind="delivery_confirm")
    assert confirm.state == "sent"
    assert [m.subject for m in anymail_test_backend][
        -1
    ] == "Fiido Test: your order #5001 was delivered. How did it go?"

    # the ESP's tracking webhook (Postmark's shape through anymail's own view) marks it delivered
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    settings.ANYMAIL_TRACKING_ESP = "postmark"
    event = {
        "RecordType": "Delivery",
        "ServerID": 1,
        "MessageStream": "outbound",
        "MessageID": confirm.provider_message_id,
        "Recipient": "lee@example.com",
        "Tag": "delivery_confirm",
        "DeliveredAt": "2026-11-23T10:00:00Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }
    auth = "Basic " + base64.b64encode(b"hook:secret").decode()
    url = f"{live_server.url}/webhook/anymail/postmark/tracking/"
    response = requests.post(
        url,
        data=json.dumps(event),
        headers={"Content-Type": "application/json", "Authorization": auth},
        timeout=10,
    )
    assert response.status_code == 200
    confirm.refresh_from_db()
    assert confirm.state == "delivered"
    refused = requests.post(
        url, data=json.dumps(event), headers={"Content-Type": "application/json"}, timeout=10
    )
    assert refused.status_code in (400, 401, 403)
