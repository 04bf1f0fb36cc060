"""Split-package and pre-sale decisions on multi-fulfillment orders, through webhook + GraphQL simulator."""

from __future__ import annotations

import json

import pytest

from logistics.models import PresaleRule, TrackedShipment
from logistics.shopify.rules import is_presale_line, split_decision
from notifications.models import Notification
from tests.plugins.notifications import after_settle_window, drain, post_shopify


def presale_key(shop, number: str) -> str:
    """The pre-sale email's key: the fulfillment that shipped ``number``."""
    fulfillment_id = TrackedShipment.objects.get(tracking_number=number).fulfillment_id
    return f"presale_shipped:shopify:{shop.pk}:{fulfillment_id}"


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def ship(client, sim, order_id, items, numbers, *, topic="fulfillments/create", hook=[0]):  # noqa: B006
    payload = sim.fulfill(order_id, items, numbers)
    hook[0] += 1
    response = post_shopify(client, json.dumps(payload).encode(), topic=topic, webhook_id=f"wh-{hook[0]}")
    assert response.status_code == 200
    drain(now=after_settle_window())  # the split email waits for the order's other packages first
    return payload


def emails():
    return sorted(Notification.objects.values_list("kind", "dedupe_key"))


def test_two_tracking_numbers_in_one_fulfillment_is_a_split_package(
    client, shop, shopify_sim, anymail_test_backend
):
    shopify_sim.add_order(1001, lines=[("BIKE-1", "E-bike", 1), ("BATT-1", "Battery", 1)])
    ship(client, shopify_sim, 1001, [("BIKE-1", 1), ("BATT-1", 1)], ["1ZAAA0001", "1ZAAA0002"])
    assert TrackedShipment.objects.filter(shopify_order__order_id="1001").count() == 2
    assert emails() == [("split_package", f"split_package:shopify:{shop.pk}:1001")]
    [message] = anymail_test_backend
    assert message.subject == "Fiido Test: your order #1001 is coming in 2 packages"
    assert "1ZAAA0001" in message.body and "1ZAAA0002" in message.body
    assert "Hello Alex" in message.body


def test_two_fulfillments_send_one_split_email(client, shop, shopify_sim, anymail_test_backend):
    shopify_sim.add_order(1002, lines=[("BIKE-1", "E-bike", 1), ("BATT-1", "Battery", 1)])
    ship(client, shopify_sim, 1002, [("BIKE-1", 1)], ["1ZBBB0001"])
    ship(client, shopify_sim, 1002, [("BATT-1", 1)], ["1ZBBB0002"])
    assert TrackedShipment.objects.count() == 2
    assert [k for k, _ in emails()] == ["split_package"]
    assert len(anymail_test_backend) == 1


def test_partial_fulfillment_is_a_split_and_a_complete_one_is_not(
    client, shop, shopify_sim, anymail_test_backend
):
    shopify_sim.add_order(1003, lines=[("BIKE-1", "E-bike", 1), ("BATT-1", "Battery", 2)])
    ship(client, shopify_sim, 1003, [("BIKE-1", 1), ("BATT-1", 1)], ["1ZCCC0001"])
    assert [k for k, _ in emails()] == ["split_package"]
    assert "Still to ship: Battery" in anymail_test_backend[0].alternatives[0][0].replace("&times;", "x")

    shopify_sim.add_order(1004, lines=[("BIKE-1", "E-bike", 1)])
    ship(client, shopify_sim, 1004, [("BIKE-1", 1)], ["1ZCCC0002"])
    assert Notification.objects.filter(order_number="#1004").count() == 0


def test_presale_and_normal_item_in_one_package(client, shop, shopify_sim, anymail_test_backend):
    shopify_sim.add_order(1005, lines=[("PRE-BIKE-T1", "T1 (pre-order)", 1), ("LOCK-1", "Lock", 1)])
    ship(client, shopify_sim, 1005, [("PRE-BIKE-T1", 1), ("LOCK-1", 1)], ["1ZDDD0001"])
    assert emails() == [("presale_shipped", presale_key(shop, "1ZDDD0001"))]
    [message] = anymail_test_backend
    assert "T1 (pre-order)" in message.body and "Lock" not in message.body


def test_presale_and_normal_item_shipped_apart(client, shop, shopify_sim, anymail_test_backend):
    shopify_sim.add_order(1006, lines=[("PRE-BIKE-T1", "T1 (pre-order)", 1), ("LOCK-1", "Lock", 1)])
    ship(client, shopify_sim, 1006, [("LOCK-1", 1)], ["1ZEEE0001"])
    ship(client, shopify_sim, 1006, [("PRE-BIKE-T1", 1)], ["1ZEEE0002"])
    # replay of the first fulfillment as an update: nothing new
    ship(client, shopify_sim, 1006, [], ["1ZEEE0001"], topic="fulfillments/update")
    assert emails() == [
        ("presale_shipped", presale_key(shop, "1ZEEE0002")),
        ("split_package", f"split_package:shopify:{shop.pk}:1006"),
    ]
    assert len(anymail_test_backend) == 2


def test_presale_by_product_tag(client, shop, shopify_sim):
    shop.presale_rule = PresaleRule.PRODUCT_TAG
    shop.presale_tags = "preorder, Coming soon"
    shop.save()
    shopify_sim.add_order(
        1007, lines=[("T1", "T1", 1, ["coming soon"]), ("LOCK-1", "Lock", 1, ["accessory"])]
    )
    ship(client, shopify_sim, 1007, [("T1", 1), ("LOCK-1", 1)], ["1ZFFF0001"])
    assert emails() == [("presale_shipped", presale_key(shop, "1ZFFF0001"))]


def test_no_customer_email_is_recorded_as_suppressed(client, shop, shopify_sim, anymail_test_backend):
    shopify_sim.add_order(1008, email="", lines=[("PRE-X", "X", 1)])
    ship(client, shopify_sim, 1008, [("PRE-X", 1)], ["1ZGGG0001"])
    record = Notification.objects.get()
    assert record.state == "suppressed" and record.error == "no customer email address known"
    assert anymail_test_backend == []


# --- the pure rules ---------------------------------------------------------------------------------------
def _order(fulfillments, unfulfilled=0, status="FULFILLED"):
    return {
        "displayFulfillmentStatus": status,
        "lineItems": {"nodes": [{"sku": "A", "unfulfilledQuantity": unfulfilled, "requiresShipping": True}]},
        "fulfillments": [
            {
                "id": f"gid://shopify/Fulfillment/{i}",
                "status": "SUCCESS",
                "trackingInfo": [{"number": n} for n in numbers],
            }
            for i, numbers in enumerate(fulfillments)
        ],
    }


@pytest.mark.parametrize(
    "order,expected",
    [
        (_order([["1"]]), False),
        (_order([["1", "2"]]), True),
        (_order([["1"], ["2"]]), True),
        (_order([["1"], ["1"]]), False),  # the same number twice is one package
        (_order([["1"]], unfulfilled=1, status="PARTIALLY_FULFILLED"), True),
        (_order([]), False),
    ],
)
def test_split_decision(order, expected):
    assert split_decision(order)[0] is expected


def test_presale_rule_sku_prefix_is_case_insensitive():
    rule = {"rule": "sku_prefix", "prefixes": ["pre-", "PS"], "presale_tags": []}
    assert is_presale_line("PRE-1", [], **rule) and is_presale_line("ps9", [], **rule)
    assert not is_presale_line("X-PRE-1", [], **rule)


def test_tracking_added_by_a_later_update(
    client, shop, shopify_sim, track17_sim, tracking_account, anymail_test_backend
):
    shopify_sim.add_order(1009, lines=[("PRE-X", "X", 1)])
    payload = ship(client, shopify_sim, 1009, [("PRE-X", 1)], [])
    assert TrackedShipment.objects.count() == 0 and Notification.objects.count() == 0
    fulfillment = shopify_sim.orders["1009"]["fulfillments"][0]
    fulfillment["trackingInfo"] = [
        {"number": "1ZLATE01", "company": "DHL", "url": "https://dhl.example/1ZLATE01"}
    ]
    payload.update(tracking_number="1ZLATE01", tracking_numbers=["1ZLATE01"], tracking_company="DHL")
    response = post_shopify(
        client, json.dumps(payload).encode(), topic="fulfillments/update", webhook_id="late-1"
    )
    assert response.status_code == 200
    drain(now=after_settle_window())
    shipment = TrackedShipment.objects.get()
    assert (shipment.tracking_number, shipment.carrier, shipment.registration) == (
        "1ZLATE01",
        "DHL",
        "registered",
    )
    assert track17_sim.tracked["1ZLATE01"]["tag"] == str(shipment.pk)
    assert emails() == [("presale_shipped", presale_key(shop, "1ZLATE01"))]


# --- issue 9: the split email lists every package; a tracking correction is not a new shipment ----------------
def _post(client, payload, topic="fulfillments/create", hook=[100]):  # noqa: B006
    hook[0] += 1
    body = json.dumps(payload).encode()
    assert post_shopify(client, body, topic=topic, webhook_id=f"wh-i9-{hook[0]}").status_code == 200


def test_split_email_waits_for_the_settle_window_and_lists_every_package(
    client, shop, shopify_sim, anymail_test_backend
):
    shopify_sim.add_order(1101, lines=[("BIKE-1", "E-bike", 1), ("BATT-1", "Battery", 1)])
    _post(client, shopify_sim.fulfill(1101, [("BIKE-1", 1)], ["1ZSET0001"]))
    drain()
    assert anymail_test_backend == []  # inside the settle window: not sent yet
    assert Notification.objects.get(kind="split_package").state == "pending"
    _post(client, shopify_sim.fulfill(1101, [("BATT-1", 1)], ["1ZSET0002"]))
    drain()
    assert anymail_test_backend == []
    drain(now=after_settle_window())
    [message] = anymail_test_backend
    html = message.alternatives[0][0]
    for number in ("1ZSET0001", "1ZSET0002"):
        assert number in message.body and f"https://www.ups.com/track?tracknum={number}" in html
    assert message.subject == "Fiido Test: your order #1101 is coming in 2 packages"
    assert "more will follow" not in message.body.lower() and "still to ship" not in message.body.lower()
    assert "2 separate packages" in message.body


def test_partial_split_email_has_correct_grammar_and_says_more_will_follow(
    client, shop, shopify_sim, anymail_test_backend
):
    shopify_sim.add_order(1102, lines=[("BIKE-1", "E-bike", 1), ("BATT-1", "Battery", 1)])
    ship(client, shopify_sim, 1102, [("BIKE-1", 1)], ["1ZPART001"])
    [message] = anymail_test_backend
    text = message.body + message.subject + message.alternatives[0][0]
    assert "1 packages" not in text
    assert message.subject == "Fiido Test: your order #1102 is coming in several packages"
    assert "The rest will follow" in message.body and "Still to ship:" in message.body
    assert "1ZPART001" in message.body


def test_tracking_correction_tracks_the_new_number_without_a_second_presale_email(
    client, shop, shopify_sim, track17_sim, tracking_account, anymail_test_backend
):
    shopify_sim.add_order(1103, lines=[("PRE-BIKE-T1", "T1 (pre-order)", 1)])
    first = ship(client, shopify_sim, 1103, [("PRE-BIKE-T1", 1)], ["1ZTYPO0001"])
    assert len(anymail_test_backend) == 1
    update = shopify_sim.correct_tracking(1103, first["id"], ["1ZGOOD0001"])
    _post(client, update, topic="fulfillments/update")
    drain(now=after_settle_window())
    shipment = TrackedShipment.objects.get(shopify_order__order_id="1103")
    assert shipment.tracking_number == "1ZGOOD0001"
    assert shipment.registration == "registered" and track17_sim.tracked["1ZGOOD0001"]["registered"]
    assert len(anymail_test_backend) == 1
    assert Notification.objects.filter(kind="presale_shipped").count() == 1
