"""Issue 8: an order is partially shipped until every line's quantity is covered (point 6); a label voided
after its tracking was pushed is a visible problem on the shipment (point 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertRule, RuleKind
from alerts.services.measure import missed_orders
from alerts.services.texts import body
from logistics.models import ShipStationShipment
from logistics.shipstation import conf
from logistics.shipstation.shipments import poll_shipstation
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders

pytestmark = pytest.mark.django_db
KEY = "amazon:115-0000000-0000001"


@pytest.fixture
def sent(flow, django_capture_on_commit_callbacks):
    ss, amz, _, account = flow
    amz.add_order("115-0000000-0000001", items=[{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    return flow


def _ship(ss, package, django_capture_on_commit_callbacks):
    items = {i["sku"]: i["lineItemKey"] for i in ss.order_by_key(KEY)["items"]}
    ss.orders[KEY]["orderStatus"] = "awaiting_shipment"
    labels = ss.ship_order(KEY, [[(items[sku], qty) for sku, qty in package]], notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    return labels


def test_an_order_is_partially_shipped_until_every_line_is_covered(
    sent, django_capture_on_commit_callbacks, admin_client
):
    ss, amz, *_ = sent
    order = Order.objects.get()

    _ship(ss, [("A", 1)], django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.state == Order.State.PARTIALLY_SHIPPED
    page = admin_client.get(reverse("admin:marketplaces_order_change", args=[order.pk])).content.decode()
    assert "Partially shipped" in page and "A: 1/2, B: 0/1" in page

    _ship(ss, [("A", 1)], django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.state == Order.State.PARTIALLY_SHIPPED  # B still to ship

    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=1))
    rule = AlertRule.objects.get(kind=RuleKind.MISSED_ORDERS)
    measured = missed_orders(timezone.now(), window_minutes=24 * 60, grace_minutes=30)
    assert measured.figures.count == 0  # it is in ShipStation: not missed ...
    assert "1 partially shipped" in body(rule, "", "opened", 1, measured)  # ... but the alert says so

    _ship(ss, [("B", 1)], django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.state == Order.State.SHIPPED
    assert len(amz.confirmations["115-0000000-0000001"]) == 3


def test_a_label_voided_after_its_tracking_was_pushed_is_flagged_on_the_shipment(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, *_ = sent
    (label,) = _ship(ss, [("A", 2), ("B", 1)], django_capture_on_commit_callbacks)
    assert ShipStationShipment.objects.get().tracking_state == ShipStationShipment.TrackingState.PUSHED

    label["voided"] = True
    label["voidDate"] = "2026-11-21T10:00:00.0000000"
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()

    shipment = ShipStationShipment.objects.get()
    assert shipment.voided
    assert shipment.tracking_state == ShipStationShipment.TrackingState.VOIDED_AFTER_PUSH
    assert "voided" in shipment.problem and "pushed" in shipment.problem


def test_the_poll_asks_for_shipments_in_pacific_time_and_finds_those_made_since_the_last_poll(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, *_ = sent
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()  # nothing yet; the watermark is now
    _ship(ss, [("A", 2), ("B", 1)], django_capture_on_commit_callbacks)
    assert ShipStationShipment.objects.count() == 1
    (call,) = ss.calls("GET", "/shipments")[-1:]
    asked = datetime.fromisoformat(call.arg("createDateStart")).replace(
        tzinfo=ZoneInfo("America/Los_Angeles")
    )
    expected = timezone.now() - timedelta(minutes=conf.SHIPSTATION_POLL_OVERLAP_MINUTES)
    assert abs(asked - expected) < timedelta(minutes=2)  # the watermark minus the overlap, in Pacific time
