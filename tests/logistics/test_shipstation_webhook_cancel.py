"""SHIP_NOTIFY webhook authentication and SSRF guard; cancellation before shipment; flagged orders."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.models import OutboundJob, RawPayload
from logistics.models import ShipStationOrder, ShipStationShipment
from logistics.shipstation.outbound import CANCEL_KIND, CREATE_KIND
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders
from tests.plugins.orders_flow import WEBHOOK_SECRET, make_amazon_account

pytestmark = pytest.mark.django_db


def _post(client, secret, body):
    return client.post(
        f"/webhook/shipstation/{secret}", data=json.dumps(body), content_type="application/json"
    )


def test_wrong_secret_is_401_and_stores_nothing(client, flow):
    ss, *_ = flow
    body = {"resource_url": f"{ss.base_url}/shipments?batchId=1", "resource_type": "SHIP_NOTIFY"}
    response = _post(client, "not-the-secret", body)
    assert response.status_code == 401
    assert not RawPayload.objects.exists()


def test_resource_url_on_a_foreign_host_is_rejected_logged_and_never_fetched(client, flow, caplog):
    ss, *_ = flow
    body = {"resource_url": "https://attacker.example/shipments?x=1", "resource_type": "SHIP_NOTIFY"}
    with caplog.at_level(logging.WARNING, logger="logistics.shipstation.webhooks"):
        response = _post(client, WEBHOOK_SECRET, body)
    assert response.status_code == 400
    raw = RawPayload.objects.get(source="shipstation")
    assert raw.state == RawPayload.State.IGNORED
    assert not OutboundJob.objects.filter(kind="webhook.shipstation").exists()
    assert any(
        r.getMessage() == "shipstation.webhook_foreign_host" and r.host == "attacker.example"
        for r in caplog.records
    )
    assert ss.calls("GET", "/shipments") == []


def test_ship_notify_is_fetched_with_our_credentials_and_a_replay_changes_nothing(
    client, flow, django_capture_on_commit_callbacks
):
    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000042", items=[{"sku": "A", "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    shipment = ss.ship_order("amazon:111-0000000-0000042", notify=False)[0]
    body = {
        "resource_url": f"{ss.base_url}/shipments?storeID=310001&batchId={shipment['batchNumber']}",
        "resource_type": "SHIP_NOTIFY",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, WEBHOOK_SECRET, body).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, WEBHOOK_SECRET, body).json() == {"status": "duplicate"}

    recorded = ShipStationShipment.objects.get()
    assert recorded.tracking_number == shipment["trackingNumber"]
    assert recorded.tracking_state == ShipStationShipment.TrackingState.PUSHED
    assert recorded.items  # re-queried with includeShipmentItems when the resource carried none
    assert [p["trackingNumber"] for p in amz.confirmations["111-0000000-0000042"]] == [
        shipment["trackingNumber"]
    ]
    assert ss.calls("GET", "/shipments")[0].headers["authorization"].startswith("Basic ")


def test_cancellation_before_shipment_cancels_the_shipstation_order(flow, django_capture_on_commit_callbacks):
    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000001")
    amz.add_order("111-0000000-0000002")
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    assert ss.order_by_key("amazon:111-0000000-0000001")["orderStatus"] == "awaiting_shipment"

    amz.set_status("111-0000000-0000001", "CANCELLED")
    with django_capture_on_commit_callbacks(execute=True):
        summary = pull_orders(account, since=timezone.now() - timedelta(days=1))

    assert summary.result.cancelled == 1
    assert ss.order_by_key("amazon:111-0000000-0000001")["orderStatus"] == "cancelled"
    assert ss.order_by_key("amazon:111-0000000-0000002")["orderStatus"] == "awaiting_shipment"
    assert Order.objects.get(marketplace_order_id="111-0000000-0000001").state == Order.State.CANCELLED
    row = ShipStationOrder.objects.get(order__marketplace_order_id="111-0000000-0000001")
    assert row.state == ShipStationOrder.State.CANCELLED
    assert len(ss.orders) == 2


def test_an_order_cancelled_before_it_was_sent_is_never_sent(flow, django_capture_on_commit_callbacks):
    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000003")
    pull_orders(account)  # no commit callbacks run: the create job waits
    amz.set_status("111-0000000-0000003", "CANCELLED")
    pull_orders(account, since=timezone.now() - timedelta(days=1))
    from integration_server.outbox.runner import run_due_jobs

    run_due_jobs(CANCEL_KIND)
    run_due_jobs(CREATE_KIND)
    assert ss.calls("POST", "/orders/createorders") == []
    assert OutboundJob.objects.get(kind=CREATE_KIND).state == OutboundJob.State.CANCELLED
    assert ShipStationOrder.objects.get().state == ShipStationOrder.State.CANCELLED


def test_an_order_without_lines_or_sku_is_stored_flagged_and_not_sent(
    flow, django_capture_on_commit_callbacks
):
    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000010", items=[])
    amz.add_order("111-0000000-0000011", items=[{"sku": None, "quantity": 1}])
    amz.add_order("111-0000000-0000012")
    with django_capture_on_commit_callbacks(execute=True):
        summary = pull_orders(account)
    assert summary.result.created == 3 and summary.result.flagged == 2
    flagged = {o.marketplace_order_id: o for o in Order.objects.filter(state=Order.State.FLAGGED)}
    assert set(flagged) == {"111-0000000-0000010", "111-0000000-0000011"}
    assert "no lines" in flagged["111-0000000-0000010"].problem
    assert "without SKU" in flagged["111-0000000-0000011"].problem
    assert [o["orderNumber"] for o in ss.orders.values()] == ["111-0000000-0000012"]
    assert not ShipStationOrder.objects.filter(order__in=flagged.values()).exists()


def test_order_numbers_repeating_across_accounts_are_matched_by_order_key(
    flow, django_capture_on_commit_callbacks, amazon_sim
):
    """Two accounts in two stores; a shipment is matched by its orderKey, never by the number alone."""
    from logistics.shipstation.shipments import _match, parse_shipment

    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000020")
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    other = Order.objects.create(
        account=make_amazon_account(amz, name="Amazon EU", store_id=310002),
        marketplace_order_id="111-0000000-0000020",
    )
    sent = ss.order_by_key("amazon:111-0000000-0000020")
    by_key = parse_shipment(
        {"shipmentId": 1, "orderKey": sent["orderKey"], "orderNumber": "111-0000000-0000020"}
    )
    by_number_only = parse_shipment({"shipmentId": 2, "orderNumber": "111-0000000-0000020"})
    matched = _match([by_key, by_number_only])
    assert matched[1] == Order.objects.get(account=account).pk != other.pk
    assert 2 not in matched  # ambiguous across marketplaces: not guessed


def test_a_ship_notify_costs_one_request_when_its_answer_carries_the_items(
    client, flow, django_capture_on_commit_callbacks
):
    """The resource_url ShipStation sends has no includeShipmentItems: we ask for the items in the first
    request instead of re-querying by orderId (two requests per SHIP_NOTIFY of a 40/min budget)."""
    ss, amz, _, account = flow
    amz.add_order("111-0000000-0000043", items=[{"sku": "A", "quantity": 2}])
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    shipment = ss.ship_order("amazon:111-0000000-0000043", notify=False)[0]
    body = {
        "resource_url": f"{ss.base_url}/shipments?storeID=310001&batchId={shipment['batchNumber']}",
        "resource_type": "SHIP_NOTIFY",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, WEBHOOK_SECRET, body).status_code == 200
    assert len(ss.calls("GET", "/shipments")) == 1
    assert ShipStationShipment.objects.get().items[0]["quantity"] == 2
