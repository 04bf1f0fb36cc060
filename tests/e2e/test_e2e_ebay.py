"""eBay end to end over real HTTP, like Amazon: eBay simulator -> pull (GetOrders pages) -> ShipStation
simulator (bulk, the eBay store) -> labels -> SHIP_NOTIFY to our live server -> CompleteSale per package;
a cancellation before shipment cancels in ShipStation and gives the stock back; a Zoho resync publishes
the formula's quantities in ceil(changed / 25) (Inventory API) or ceil(changed / 4) (Trading) calls."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.utils import timezone

from integration_server.outbox.runner import run_due_jobs
from integration_server.simulators import serve_in_thread
from inventory.models import AccountStockPolicy, PublishedQuantity, ShadowDecrement, StockLevel, StockPolicy
from inventory.services.zoho_sync import sync_items
from logistics.models import ShipStationOrder, ShipStationShipment
from logistics.shipstation.outbound import CANCEL_KIND, CREATE_KIND
from logistics.shipstation.subscriptions import subscribe_ship_notify
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.pull import pull_orders
from marketplaces.simulators.ebay import EbaySimulator
from tests.plugins.orders_flow import make_shipstation_account

from .conftest import run_pushes

EBAY_STORE = 310002
BULK = "/sell/inventory/v1/bulk_update_price_quantity"


@pytest.fixture
def ebay_sim():
    sim = EbaySimulator()
    server = serve_in_thread(sim)
    cache.clear()
    yield sim
    server.shutdown()


def ebay_account(sim, listing_model="inventory_api") -> MarketplaceAccount:
    return MarketplaceAccount.objects.create(
        channel="ebay",
        name=f"eBay US ({listing_model})",
        api_base_url=sim.base_url,
        auth_base_url=sim.base_url,
        credentials={
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": next(iter(sim.refresh_tokens)),
        },
        options={"listing_model": listing_model, "site_id": 0},
        shipstation_store_id=EBAY_STORE,
    )


def trading_calls(sim, call: str) -> int:
    return sum(1 for r in sim.calls("POST", "/ws/api.dll") if r.headers.get("x-ebay-api-call-name") == call)


@pytest.mark.django_db(transaction=True)
def test_250_ebay_orders_reach_shipstation_in_3_bulk_calls_and_split_tracking_reaches_ebay(
    ebay_sim, shipstation_sim, live_server
):
    ss_account = make_shipstation_account(shipstation_sim)
    account = ebay_account(ebay_sim)
    for n in range(249):
        ebay_sim.add_order(items=[{"sku": f"SKU-{n % 5}", "quantity": 1, "price": "12.50"}])
    split = ebay_sim.add_order(
        "99-00000-00001",
        items=[
            {"sku": "MUG", "quantity": 1, "price": "9.99"},
            {"sku": "PLATE", "quantity": 2, "price": "4.00", "variation": True},
        ],
    )
    ebay_sim.add_order("99-00000-00002", paid=False)  # unpaid: not sent on

    summary = pull_orders(account)

    assert summary.pages == 3 and trading_calls(ebay_sim, "GetOrders") == 3
    assert summary.result.created == 250
    creates = shipstation_sim.calls("POST", "/orders/createorders")
    assert [len(c.json()) for c in creates] == [100, 100, 50]
    sent = shipstation_sim.order_by_key("ebay:99-00000-00001")
    assert sent["orderNumber"] == sent["advancedOptions"]["customField1"] == "99-00000-00001"
    assert {o["advancedOptions"]["storeId"] for o in shipstation_sim.orders.values()} == {EBAY_STORE}
    assert Order.objects.filter(state=Order.State.SENT).count() == 250
    assert not Order.objects.filter(marketplace_order_id="99-00000-00002").exists()
    stored = Order.objects.get(marketplace_order_id="99-00000-00001")
    assert stored.buyer["ship_to"]["city"] == "San Jose"  # decrypted on read: stored encrypted like Amazon's

    hook_id, created = subscribe_ship_notify(ss_account, public_base_url=live_server.url)
    assert created and hook_id
    lines = {i["sku"]: i["lineItemKey"] for i in sent["items"]}
    packages = shipstation_sim.ship_order(
        "ebay:99-00000-00001", [[(lines["MUG"], 1)], [(lines["PLATE"], 2)]], carrier_code="stamps_com"
    )
    assert shipstation_sim.notifications == [(shipstation_sim.notifications[0][0], 200)]

    # one CompleteSale per package, each on its own line, USPS mapped, ShipStation's tracking numbers
    assert trading_calls(ebay_sim, "CompleteSale") == 2
    by_line = {c["line_id"]: c for c in ebay_sim.completions}
    expected_lines = {li["sku"]: li["line_id"] for li in split["lines"]}
    assert set(by_line) == set(expected_lines.values())
    assert {c["carrier"] for c in ebay_sim.completions} == {"USPS"}
    assert sorted(c["tracking"] for c in ebay_sim.completions) == sorted(
        p["trackingNumber"] for p in packages
    )
    assert ebay_sim.orders["99-00000-00001"]["shipped_time"] is not None
    order = Order.objects.get(marketplace_order_id="99-00000-00001")
    assert order.state == Order.State.SHIPPED
    assert set(order.shipstation_shipments.values_list("tracking_state", flat=True)) == {"pushed"}

    # a second pull over the whole period creates nothing anywhere
    again = pull_orders(account, since=timezone.now() - timedelta(days=1))
    assert again.result.created == 0
    assert Order.objects.count() == 250 and len(shipstation_sim.orders) == 250
    assert len(shipstation_sim.calls("POST", "/orders/createorders")) == 3
    assert ShipStationShipment.objects.count() == 2 and trading_calls(ebay_sim, "CompleteSale") == 2


@pytest.fixture
def ebay_stocked(db, zoho_sim, shipstation_sim, ebay_sim):
    from inventory.models import ZohoConnection

    ZohoConnection.objects.create(
        organization_id=zoho_sim.organization_id,
        accounts_url=zoho_sim.base_url,
        api_base_url=zoho_sim.base_url + "/inventory/v1",
        client_id=zoho_sim.client_id,
        client_secret=zoho_sim.client_secret,
        refresh_token=zoho_sim.refresh_token,
        webhook_secret="e2e-zoho-hook-secret-0123456789abcdef",
    )
    make_shipstation_account(shipstation_sim)
    account = ebay_account(ebay_sim)
    AccountStockPolicy.objects.create(account=account, ratio=Decimal("0.5"))
    StockPolicy.current()
    return account


def test_ebay_cancellation_before_shipment_cancels_in_shipstation_and_restores_stock(
    ebay_stocked, zoho_sim, ebay_sim, shipstation_sim
):
    zoho_sim.add_items(10, stock=lambda i: 9)  # base 8 -> eBay floor(8 * 0.5) = 4
    sync_items(full=True)
    run_pushes()
    assert ebay_sim.quantities()["SKU-000003"] == 4
    ebay_sim.add_order("98-00000-00001", items=[{"sku": "SKU-000003", "quantity": 3, "price": "30.00"}])
    pull_orders(ebay_stocked)
    run_due_jobs(CREATE_KIND)
    run_pushes()
    assert shipstation_sim.order_by_key("ebay:98-00000-00001")["orderStatus"] == "awaiting_shipment"
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 6
    assert (
        ebay_sim.quantities()["SKU-000003"] == 2
    )  # remaining 4 - 3 <= threshold 1: rebalanced on 6 (base 5)

    ebay_sim.cancel("98-00000-00001")
    summary = pull_orders(ebay_stocked, since=timezone.now() - timedelta(days=1))
    assert summary.result.cancelled == 1
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 9  # given back at once
    run_due_jobs(CANCEL_KIND)
    run_pushes()
    assert shipstation_sim.order_by_key("ebay:98-00000-00001")["orderStatus"] == "cancelled"
    assert ShipStationOrder.objects.get(order__marketplace_order_id="98-00000-00001").state == "cancelled"
    assert ShadowDecrement.objects.get().returned_at is not None
    assert ebay_sim.quantities()["SKU-000003"] == 4


@pytest.mark.parametrize(("listing_model", "batch"), [("inventory_api", 25), ("trading", 4)])
def test_zoho_resync_publishes_to_ebay_in_ceil_changed_over_batch_calls(
    ebay_stocked, zoho_sim, ebay_sim, listing_model, batch
):
    from django.core.management import call_command

    ebay_stocked.options = {"listing_model": listing_model, "site_id": 0}
    ebay_stocked.save(update_fields=["options"])
    ebay_sim.listing_model = listing_model
    n = 60
    zoho_sim.add_items(n, stock=lambda i: (i * 7) % 30)
    call_command("zoho_resync", stdout=StringIO())
    run_pushes()
    expected = {f"SKU-{i:06d}": math.floor(max(0, (i * 7) % 30 - 1) * 0.5) for i in range(n)}
    assert ebay_sim.quantities() == expected
    calls = (
        len(ebay_sim.calls("POST", BULK))
        if listing_model == "inventory_api"
        else trading_calls(ebay_sim, "ReviseInventoryStatus")
    )
    assert calls == math.ceil(n / batch)
    assert PublishedQuantity.objects.filter(account=ebay_stocked, last_result="accepted").count() == n

    before = len(ebay_sim.requests)
    call_command("zoho_resync", stdout=StringIO())
    run_pushes()
    assert len(ebay_sim.requests) == before  # nothing changed: no eBay call at all


def test_a_listing_model_mismatch_fails_the_push_at_once_and_is_shown_to_ops(
    ebay_stocked, zoho_sim, ebay_sim, client
):
    from integration_server.models import OutboundJob

    ebay_stocked.options = {
        "listing_model": "trading",
        "site_id": 0,
    }  # but the listings are Inventory API ones
    ebay_stocked.save(update_fields=["options"])
    zoho_sim.add_items(4, stock=lambda i: 9)
    sync_items(full=True)
    run_pushes()
    job = OutboundJob.objects.get(kind="stock.push")
    assert (job.state, job.retries_used) == (OutboundJob.State.FAILED, 0)  # a configuration error: no retry
    assert "listing_model" in job.last_error
    assert trading_calls(ebay_sim, "ReviseInventoryStatus") == 1
    ebay_stocked.refresh_from_db()
    assert "set listing_model to 'inventory_api'" in ebay_stocked.config_problem
    assert any("listing_model" in p for p in client.get("/healthz").json()["problems"])
