"""The orders flow end to end over real HTTP: Amazon simulator -> pull -> ShipStation simulator (bulk) ->
label -> SHIP_NOTIFY to our live server -> tracking confirmed to Amazon."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.outbox.runner import run_due_jobs
from logistics.models import ShipStationOrder, ShipStationShipment
from logistics.shipstation.outbound import CREATE_KIND
from logistics.shipstation.shipments import poll_shipstation
from logistics.shipstation.subscriptions import subscribe_ship_notify
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders
from tests.plugins.orders_flow import STORE_ID


@pytest.mark.django_db(transaction=True)
def test_250_orders_reach_shipstation_in_3_bulk_calls_and_split_tracking_reaches_amazon(flow, live_server):
    ss, amz, ss_account, account = flow
    for n in range(249):
        amz.add_order(items=[{"sku": f"SKU-{n % 5}", "quantity": 1, "price": "12.50"}])
    split = amz.add_order(
        "113-0000000-0000001",
        items=[
            {"sku": "MUG", "quantity": 1, "price": "9.99"},
            {"sku": "PLATE", "quantity": 2, "price": "4.00"},
        ],
    )

    summary = pull_orders(account)  # jobs run inline after each page's commit (django-q2 sync mode)

    assert summary.pages == 3
    assert summary.result.created == 250
    creates = ss.calls("POST", "/orders/createorders")
    assert [len(c.json()) for c in creates] == [100, 100, 50]
    assert len(ss.orders) == 250
    sent = ss.order_by_key("amazon:113-0000000-0000001")
    assert sent["orderNumber"] == sent["advancedOptions"]["customField1"] == "113-0000000-0000001"
    assert {o["advancedOptions"]["storeId"] for o in ss.orders.values()} == {STORE_ID}
    assert all(o["orderKey"] == f"amazon:{o['orderNumber']}" for o in ss.orders.values())
    assert ShipStationOrder.objects.filter(state=ShipStationOrder.State.CREATED).count() == 250
    assert Order.objects.filter(state=Order.State.SENT).count() == 250

    hook_id, created = subscribe_ship_notify(ss_account, public_base_url=live_server.url)
    assert created and hook_id
    lines = {i["sku"]: i["lineItemKey"] for i in sent["items"]}
    packages = ss.ship_order(
        "amazon:113-0000000-0000001", [[(lines["MUG"], 1)], [(lines["PLATE"], 2)]], carrier_code="stamps_com"
    )
    assert ss.notifications == [(ss.notifications[0][0], 200)]

    confirmed = amz.confirmations["113-0000000-0000001"]
    assert sorted(p["trackingNumber"] for p in confirmed) == sorted(p["trackingNumber"] for p in packages)
    assert {p["carrierCode"] for p in confirmed} == {"USPS"}
    by_item = {p["orderItems"][0]["orderItemId"]: p["orderItems"][0]["quantity"] for p in confirmed}
    assert by_item == {i["orderItemId"]: i["quantityOrdered"] for i in split["orderItems"]}
    assert amz.orders["113-0000000-0000001"]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    order = Order.objects.get(marketplace_order_id="113-0000000-0000001")
    assert order.state == Order.State.SHIPPED
    assert set(order.shipstation_shipments.values_list("tracking_state", flat=True)) == {"pushed"}

    # The poll sees the same two labels: recorded once, nothing pushed twice.
    totals = poll_shipstation()
    assert totals["shipments"] == 2 and totals["new"] == 0
    assert ShipStationShipment.objects.count() == 2
    assert len(amz.confirmations["113-0000000-0000001"]) == 2

    # Pulling again, over the whole period, creates nothing anywhere.
    again = pull_orders(account, since=timezone.now() - timedelta(days=1))
    assert again.result.created == 0
    assert Order.objects.count() == 250
    assert len(ss.calls("POST", "/orders/createorders")) == 3
    assert len(ss.orders) == 250


@pytest.mark.django_db
def test_a_shipstation_500_is_retried_and_yields_one_shipstation_order_each(
    flow, django_capture_on_commit_callbacks
):
    ss, amz, ss_account, account = flow
    for _ in range(150):
        amz.add_order()
    ss.fail_next("POST", "/orders/createorders", status=500, after_apply=True)

    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)

    assert len(ss.calls("POST", "/orders/createorders")) == 2
    assert ShipStationOrder.objects.filter(state=ShipStationOrder.State.CREATED).count() == 50
    run_due_jobs(CREATE_KIND, now=timezone.now() + timedelta(seconds=31))

    assert len(ss.calls("POST", "/orders/createorders")) == 3
    assert len(ss.orders) == 150  # the retry updated by orderKey: no duplicate
    rows = ShipStationOrder.objects.all()
    assert {r.state for r in rows} == {ShipStationOrder.State.CREATED}
    assert len({r.shipstation_order_id for r in rows}) == 150
