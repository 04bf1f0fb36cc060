"""Shipments read back by polling: fulfillments (marked shipped), voided labels, carrier mapping rows,
a marketplace refusing the confirmation."""

from __future__ import annotations

import pytest
import requests

from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from logistics.models import CarrierCodeMapping, ShipStationShipment
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, poll_shipstation
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders

pytestmark = pytest.mark.django_db
TState = ShipStationShipment.TrackingState


@pytest.fixture
def sent(flow, django_capture_on_commit_callbacks):
    ss, amz, _, account = flow
    amz.add_order("114-0000000-0000001", items=[{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    return flow


def _mark_shipped(ss, order, tracking, carrier="ups"):
    response = requests.post(
        f"{ss.base_url}/orders/markasshipped",
        json={
            "orderId": order["orderId"],
            "carrierCode": carrier,
            "trackingNumber": tracking,
            "shipDate": "2026-11-20",
        },
        auth=("sim-ss-key", "sim-ss-secret"),
        timeout=5,
    )
    assert response.status_code == 200


def test_an_order_marked_shipped_is_found_in_fulfillments_and_confirmed_with_every_line(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, *_ = sent
    _mark_shipped(ss, ss.order_by_key("amazon:114-0000000-0000001"), "1Z999")
    with django_capture_on_commit_callbacks(execute=True):
        totals = poll_shipstation()
    assert (totals["shipments"], totals["fulfillments"], totals["pushes"]) == (0, 1, 1)
    (package,) = amz.confirmations["114-0000000-0000001"]
    assert package["carrierCode"] == "UPS" and package["trackingNumber"] == "1Z999"
    assert sorted(i["quantity"] for i in package["orderItems"]) == [1, 2]
    assert Order.objects.get().state == Order.State.SHIPPED


def test_a_label_and_a_fulfillment_with_the_same_tracking_number_push_once(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, *_ = sent
    (label,) = ss.ship_order("amazon:114-0000000-0000001", notify=False)
    ss.orders["amazon:114-0000000-0000001"]["orderStatus"] = "awaiting_shipment"
    _mark_shipped(ss, ss.order_by_key("amazon:114-0000000-0000001"), label["trackingNumber"], "fedex")
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    assert ShipStationShipment.objects.count() == 2
    assert sorted(ShipStationShipment.objects.values_list("tracking_state", flat=True)) == [
        "pushed",
        "skipped",
    ]
    assert len(amz.confirmations["114-0000000-0000001"]) == 1


def test_a_voided_label_is_not_pushed(sent, django_capture_on_commit_callbacks):
    ss, amz, *_ = sent
    (label,) = ss.ship_order("amazon:114-0000000-0000001", notify=False)
    label["voided"] = True
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    assert ShipStationShipment.objects.get().tracking_state == TState.VOIDED
    assert "114-0000000-0000001" not in amz.confirmations


def test_a_carrier_mapping_row_wins_and_a_refused_confirmation_stops_the_job(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, *_ = sent
    CarrierCodeMapping.objects.create(
        shipstation_carrier_code="local_courier",
        channel="amazon",
        marketplace_carrier_code="Other",
        marketplace_carrier_name="Speedy Local",
    )
    ss.ship_order("amazon:114-0000000-0000001", carrier_code="local_courier", notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    (package,) = amz.confirmations["114-0000000-0000001"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Speedy Local")

    # the marketplace cancels meanwhile: Amazon refuses a second package with 400 -> failed at once, no retry
    amz.orders["114-0000000-0000001"]["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    ss.orders["amazon:114-0000000-0000001"]["orderStatus"] = "awaiting_shipment"
    ss.ship_order("amazon:114-0000000-0000001", notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    run_due_jobs(PUSH_TRACKING_KIND)
    failed = OutboundJob.objects.get(kind=PUSH_TRACKING_KIND, state=OutboundJob.State.FAILED)
    assert failed.retries_used == 0 and "cancelled" in failed.last_error
    assert ShipStationShipment.objects.filter(tracking_state=TState.FAILED).count() == 1
