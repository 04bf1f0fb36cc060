"""Rithum (Dsco v3) end to end over real HTTP, like Amazon: the Rithum simulator -> pull (scroll pages, one
expiring midway) -> orders acknowledged once each and created once each in the ShipStation simulator ->
labels (split shipments) -> one singleShipment per package; a cancellation before shipment cancels the
ShipStation order and gives the stock back; Zoho stock -> /inventory/batch/small -> confirmed from the
inventory log, rejections recorded per SKU, a second resync makes no call."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from integration_server.simulators import serve_in_thread
from inventory.models import (
    AccountStockPolicy,
    PublishedQuantity,
    ShadowDecrement,
    StockLevel,
    StockPolicy,
    ZohoConnection,
)
from inventory.services.publishing import CONFIRM_STOCK
from inventory.services.zoho_sync import sync_items
from logistics.models import ShipStationAccount, ShipStationOrder, ShipStationShipment
from logistics.shipstation.outbound import CANCEL_KIND, CREATE_KIND
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, poll_shipstation
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.acknowledge import ACKNOWLEDGE_KIND
from marketplaces.services.acknowledge import CONFIRM_KIND as ACK_CONFIRM_KIND
from marketplaces.services.pull import pull_orders
from marketplaces.simulators.rithum import RithumSimulator

from .conftest import ZOHO_SECRET, run_pushes

pytestmark = pytest.mark.django_db

STORE_ID = 310004
BATCH = "/inventory/batch/small"


@pytest.fixture
def rithum_sim():
    sim = RithumSimulator()
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture
def rithum(db, rithum_sim, shipstation_sim):
    ShipStationAccount.objects.create(
        api_base_url=shipstation_sim.base_url,
        api_key="sim-ss-key",
        api_secret="sim-ss-secret",
        webhook_secret="e2e-shipstation-secret-0123456789abcdefghij",
    )
    account = MarketplaceAccount.objects.create(
        channel="rithum",
        name="Rithum dropship",
        api_base_url=rithum_sim.base_url,
        credentials={"client_id": rithum_sim.client_id, "client_secret": rithum_sim.client_secret},
        shipstation_store_id=STORE_ID,
    )
    return rithum_sim, shipstation_sim, account


@pytest.fixture
def stocked(rithum, zoho_sim):
    """Zoho with 10 SKUs of 21 units each; the Rithum account gets 60 %: floor((21 - 1) * 0.6) = 12."""
    ZohoConnection.objects.create(
        organization_id=zoho_sim.organization_id,
        accounts_url=zoho_sim.base_url,
        api_base_url=zoho_sim.base_url + "/inventory/v1",
        client_id=zoho_sim.client_id,
        client_secret=zoho_sim.client_secret,
        refresh_token=zoho_sim.refresh_token,
        webhook_secret=ZOHO_SECRET,
    )
    AccountStockPolicy.objects.create(account=rithum[2], ratio="0.6")
    StockPolicy.current()
    zoho_sim.add_items(10, stock=lambda i: 21)
    return (*rithum, zoho_sim)


def _confirm_stock() -> int:
    return run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))


def test_2500_orders_over_scroll_pages_acknowledged_and_in_shipstation_once_each(rithum):
    sim, ss, account = rithum
    base = timezone.now() - timedelta(hours=2)
    ids = {
        sim.add_order(
            updated=base + timedelta(seconds=n), items=[{"sku": f"SKU-{n % 9:06d}", "quantity": 1}]
        )["dscoOrderId"]
        for n in range(2500)
    }
    sim.expire_scroll_after(2)  # the scroll is gone after page 2, as if the pull had stalled 5 minutes

    summary = pull_orders(account)

    assert summary.result.created == 2500 and Order.objects.count() == 2500
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == ids
    pages = sim.calls("GET", "/order/page")
    assert [p.arg("ordersPerPage") for p in pages if p.arg("scrollId") is None] == ["1000", "1000"]
    assert len(pages) == 7  # 2 pages, the 404, the new search's 3 pages, the empty page that ends it

    # pulled again over the whole window: every order is known, nothing is queued a second time
    again = pull_orders(account, since=base - timedelta(minutes=1))
    assert again.result.seen == 2500 and again.result.created == 0 and again.result.unchanged == 2500

    # acknowledged once each: one job per stored page, 1,000 per call
    assert run_due_jobs(ACKNOWLEDGE_KIND) == 3
    acks = sim.calls("POST", "/order/acknowledge")
    assert [len(a.json()) for a in acks] == [1000, 1000, 500]
    assert {entry["type"] for a in acks for entry in a.json()} == {"DSCO_ORDER_ID"}
    assert sim.acknowledged == dict.fromkeys(ids, 1)
    # Rithum acknowledges asynchronously: a job per request reads its log later
    assert run_due_jobs(ACK_CONFIRM_KIND, now=timezone.now() + timedelta(seconds=130)) == 3
    acknowledging = OutboundJob.objects.filter(kind__in=[ACKNOWLEDGE_KIND, ACK_CONFIRM_KIND])
    assert set(acknowledging.values_list("state", flat=True)) == {OutboundJob.State.SUCCEEDED}

    # in ShipStation once each, in the Rithum store, 100 per call
    run_due_jobs(CREATE_KIND)
    assert len(ss.calls("POST", "/orders/createorders")) == 25
    assert len(ss.orders) == 2500
    assert set(ss.orders) == {f"rithum:{i}" for i in ids}
    assert {o["advancedOptions"]["storeId"] for o in ss.orders.values()} == {STORE_ID}
    sent = ss.order_by_key(f"rithum:{min(ids)}")
    assert sent["orderNumber"] == sent["advancedOptions"]["customField1"] == min(ids)
    assert sent["shipTo"]["name"] == "Sam Smith" and sent["items"][0]["lineItemKey"] == "1"
    assert Order.objects.filter(state=Order.State.SENT).count() == 2500
    assert run_due_jobs(now=timezone.now() + timedelta(hours=1)) == 0
    assert sim.token_requests == 1


def _pull_and_create(sim, account, **order):
    record = sim.add_order(**order)
    pull_orders(account)
    run_due_jobs(ACKNOWLEDGE_KIND)
    run_due_jobs(CREATE_KIND)
    return record


def test_split_shipment_sends_one_single_shipment_per_package(rithum):
    sim, ss, account = rithum
    record = _pull_and_create(
        sim,
        account,
        items=[{"sku": "MUG", "quantity": 1}, {"sku": "PLATE", "quantity": 2}],
        warehouse_code="WH-1",
    )
    key = f"rithum:{record['dscoOrderId']}"
    lines = {i["sku"]: i["lineItemKey"] for i in ss.order_by_key(key)["items"]}
    packages = ss.ship_order(
        key, [[(lines["MUG"], 1)], [(lines["PLATE"], 2)]], carrier_code="stamps_com", notify=False
    )
    poll_shipstation()
    assert run_due_jobs(PUSH_TRACKING_KIND) == 2

    sent = [c.json() for c in sim.calls("POST", "/order/singleShipment")]
    assert len(sent) == 2 and len(sim.shipments) == 2
    assert sorted(s["shipments"][0]["trackingNumber"] for s in sent) == sorted(
        p["trackingNumber"] for p in packages
    )
    for body in sent:
        assert body["dscoOrderId"] == record["dscoOrderId"] and body["poNumber"] == record["poNumber"]
        shipment = body["shipments"][0]
        assert shipment["shipCarrier"] == "USPS" and shipment["shippingServiceLevelCode"] == "GCG"
        assert shipment["warehouseCode"] == "WH-1"
    by_sku = {s["shipments"][0]["lineItems"][0]["sku"]: s["shipments"][0]["lineItems"][0] for s in sent}
    assert by_sku == {
        "MUG": {"sku": "MUG", "quantity": 1, "lineNumber": 1},
        "PLATE": {"sku": "PLATE", "quantity": 2, "lineNumber": 2},
    }
    assert sim.orders[record["dscoOrderId"]]["dscoLifecycle"] == "completed"
    assert set(ShipStationShipment.objects.values_list("tracking_state", flat=True)) == {"pushed"}


def test_a_shipment_rithum_refuses_is_a_data_error_shown_to_ops_and_not_retried(rithum):
    sim, ss, account = rithum
    sim.required_shipment_fields = (*sim.required_shipment_fields, "warehouseCode")  # this retailer's rule
    record = _pull_and_create(sim, account, items=[{"sku": "MUG", "quantity": 1}])
    ss.ship_order(f"rithum:{record['dscoOrderId']}", carrier_code="ups", notify=False)
    poll_shipstation()
    run_due_jobs(PUSH_TRACKING_KIND, now=timezone.now() + timedelta(hours=1))

    job = OutboundJob.objects.get(kind=PUSH_TRACKING_KIND)
    assert job.state == OutboundJob.State.FAILED and job.attempt_rows.count() == 1  # not retried
    shipment = ShipStationShipment.objects.get()
    assert shipment.tracking_state == "failed"
    assert "VALIDATION_FAILED: warehouseCode is required" in shipment.problem
    assert "All of these fields are required: warehouseCode" in shipment.problem
    assert len(sim.calls("POST", "/order/singleShipment")) == 1


def test_a_cancellation_before_shipment_cancels_in_shipstation_and_gives_the_stock_back(stocked):
    sim, ss, account, _ = stocked
    sync_items(full=True)
    run_pushes()
    record = _pull_and_create(sim, account, items=[{"sku": "SKU-000003", "quantity": 2}])
    key = f"rithum:{record['dscoOrderId']}"
    assert ss.order_by_key(key)["orderStatus"] == "awaiting_shipment"
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 19

    sim.cancel_order(record["dscoOrderId"])
    summary = pull_orders(account)
    assert summary.result.cancelled == 1
    assert Order.objects.get().state == Order.State.CANCELLED
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 21
    assert ShadowDecrement.objects.get().returned_at is not None
    run_due_jobs(CANCEL_KIND)
    assert ss.order_by_key(key)["orderStatus"] == "cancelled"
    assert ShipStationOrder.objects.get().state == "cancelled"


def test_stock_goes_in_one_batch_confirmed_from_the_log_rejections_per_sku_and_no_second_call(stocked):
    sim, _, account, zoho = stocked
    sim.rejected_skus["SKU-000004"] = "Item SKU-000004 is not in your catalog"
    sync_items(full=True)
    run_pushes()

    batches = sim.calls("POST", BATCH)
    assert len(batches) == 1 and len(batches[0].json()) == 10
    assert batches[0].json()[0] == {"sku": "SKU-000000", "status": "in-stock", "quantityAvailable": 12}
    pending = PublishedQuantity.objects.get(account=account, sku="SKU-000000")
    assert pending.published_quantity == 12 and "not processed yet" in pending.last_reason

    assert _confirm_stock() == 1
    rejected = PublishedQuantity.objects.get(account=account, sku="SKU-000004")
    assert rejected.last_result == "rejected" and rejected.published_quantity is None
    assert rejected.last_reason == "VALIDATION_FAILED: Item SKU-000004 is not in your catalog"
    accepted = PublishedQuantity.objects.filter(account=account, last_result="accepted")
    assert accepted.count() == 9 and set(accepted.values_list("last_reason", flat=True)) == {""}
    assert sim.inventory["SKU-000000"] == 12

    # the retailer's catalog now has the item: the next resync sends that SKU alone
    del sim.rejected_skus["SKU-000004"]
    sync_items(full=True)
    run_pushes()
    assert [i["sku"] for i in sim.calls("POST", BATCH)[-1].json()] == ["SKU-000004"]
    _confirm_stock()

    # nothing changed: a resync makes no call
    sync_items(full=True)
    run_pushes()
    _confirm_stock()
    assert len(sim.calls("POST", BATCH)) == 2
    assert PublishedQuantity.objects.filter(account=account, last_result="accepted").count() == 10
    assert json.loads(sim.calls("POST", BATCH)[0].body)[0]["sku"] == "SKU-000000"
    assert zoho.calls("GET")  # the resyncs did read Zoho
