"""Mirakl end to end over real HTTP, two operators at once on one Mirakl simulator: Zoho stock -> pull (OR11)
-> acceptance (OR21) by each account's policy -> on hold until SHIPPING -> one ShipStation order per operator
in its own store, ``orderNumber`` = ``customField1`` = the Mirakl order id and distinct orderKeys although both
operators use the same order number -> labels (split packages) -> OR23 then OR24 (or ST01 per package) ->
a cancellation before shipment cancels in ShipStation and gives the stock back -> stock as one STO01 import
per account, its error report recorded per SKU, no call on a second resync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from integration_server.simulators import serve_in_thread
from inventory.models import AccountStockPolicy, PublishedQuantity, StockLevel, StockPolicy, ZohoConnection
from inventory.services.publishing import CONFIRM_STOCK
from inventory.services.zoho_sync import sync_items
from logistics.models import ShipStationAccount, ShipStationOrder, ShipStationShipment
from logistics.shipstation.outbound import CANCEL_KIND, CREATE_KIND
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, poll_shipstation
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.pull import pull_orders
from marketplaces.simulators.mirakl import MiraklSimulator

from .conftest import ZOHO_SECRET, run_pushes

pytestmark = pytest.mark.django_db

STORE_A, STORE_B = 310003, 310005
IMPORTS = "/api/offers/stock/imports"


@pytest.fixture
def mirakl_sim():
    sim = MiraklSimulator({"operator-a": "sim-key-a", "operator-b": "sim-key-b"})
    sim.touch_age = timedelta(minutes=2)  # Mirakl's changes already inside the next pull's window
    server = serve_in_thread(sim)
    cache.clear()
    yield sim
    server.shutdown()


@pytest.fixture
def operators(db, mirakl_sim, shipstation_sim, zoho_sim):
    """Zoho with 12 SKUs of 21 units; operator A (accept known SKUs, ratio 0.5) and operator B (leave
    unknown SKUs for ops, multi-shipment, ratio 0.4), each with its own ShipStation store."""
    ShipStationAccount.objects.create(
        api_base_url=shipstation_sim.base_url,
        api_key="sim-ss-key",
        api_secret="sim-ss-secret",
        webhook_secret="e2e-shipstation-secret-0123456789abcdefghij",
    )
    ZohoConnection.objects.create(
        organization_id=zoho_sim.organization_id,
        accounts_url=zoho_sim.base_url,
        api_base_url=zoho_sim.base_url + "/inventory/v1",
        client_id=zoho_sim.client_id,
        client_secret=zoho_sim.client_secret,
        refresh_token=zoho_sim.refresh_token,
        webhook_secret=ZOHO_SECRET,
    )
    accounts = {}
    for operator, store, ratio, options in (
        ("operator-a", STORE_A, "0.5", {"acceptance_policy": "accept_known"}),
        ("operator-b", STORE_B, "0.4", {"acceptance_policy": "leave", "multi_shipment": True}),
    ):
        account = MarketplaceAccount.objects.create(
            channel="mirakl",
            name=f"Mirakl {operator}",
            api_base_url=mirakl_sim.url(operator),
            credentials={"api_key": mirakl_sim.operators[operator].api_key},
            options=options,
            shipstation_store_id=store,
        )
        AccountStockPolicy.objects.create(account=account, ratio=ratio)
        accounts[operator] = account
    StockPolicy.current()
    zoho_sim.add_items(12, stock=lambda i: 21)
    sync_items(full=True)
    run_pushes()
    run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
    mirakl_sim.next_minute()
    return mirakl_sim, shipstation_sim, accounts, zoho_sim


def pull_all(sim, accounts) -> None:
    for account in accounts.values():
        pull_orders(account)
    sim.next_minute()  # OR11 once a minute per operator


def test_two_operators_same_order_number_accepted_in_their_stores_then_tracked_and_shipped(operators):
    sim, ss, accounts, _ = operators
    for operator in ("operator-a", "operator-b"):
        sim.add_order(
            operator,
            "ORDER-1001-A",
            lines=[{"sku": "SKU-000001", "quantity": 1}, {"sku": "SKU-000002", "quantity": 2}],
        )
    sim.add_order("operator-a", "ORDER-1002-A", lines=[{"sku": "NOT-IN-ZOHO", "quantity": 1}])
    sim.add_order("operator-b", "ORDER-1002-A", lines=[{"sku": "NOT-IN-ZOHO", "quantity": 1}])
    sim.operators["operator-b"].auto_debit = False

    pull_all(sim, accounts)

    # accepted in the run that saw them; the unknown SKU follows each account's policy and says why
    a, b = accounts["operator-a"], accounts["operator-b"]
    assert len(sim.calls("PUT", "/operator-a/api/orders/ORDER-1001-A/accept")) == 1
    assert len(sim.calls("PUT", "/operator-b/api/orders/ORDER-1001-A/accept")) == 1
    refused = Order.objects.get(account=a, marketplace_order_id="ORDER-1002-A")
    assert (
        refused.state == Order.State.CANCELLED
        and refused.problem == "Refused at acceptance: unknown SKU NOT-IN-ZOHO."
    )
    assert sim.operators["operator-a"].orders["ORDER-1002-A"]["order_state"] == "REFUSED"
    left = Order.objects.get(account=b, marketplace_order_id="ORDER-1002-A")
    assert left.state == Order.State.FLAGGED and "unknown SKU NOT-IN-ZOHO" in left.problem
    assert not sim.calls("PUT", "/operator-b/api/orders/ORDER-1002-A/accept")
    # stock counted at acceptance for both operators (1 + 1 units of SKU-000001)
    assert StockLevel.objects.get(sku="SKU-000001").shadow_available == 19
    held = Order.objects.get(account=b, marketplace_order_id="ORDER-1001-A")
    assert held.state == Order.State.HELD  # waiting for operator B's debit: not in ShipStation
    run_due_jobs(CREATE_KIND)
    assert not ss.orders

    sim.debit("operator-b", "ORDER-1001-A")
    pull_all(sim, accounts)
    run_due_jobs(CREATE_KIND)

    key_a, key_b = f"mirakl-{a.pk}:ORDER-1001-A", f"mirakl-{b.pk}:ORDER-1001-A"
    assert set(ss.orders) == {key_a, key_b}
    for key, store in ((key_a, STORE_A), (key_b, STORE_B)):
        sent = ss.order_by_key(key)
        assert sent["orderNumber"] == sent["advancedOptions"]["customField1"] == "ORDER-1001-A"
        assert sent["advancedOptions"]["storeId"] == store
        assert sent["shipTo"]["country"] == "US" and sent["shipTo"]["name"] == "Stella Lettiere"
        assert [(i["sku"], i["quantity"]) for i in sent["items"]] == [("SKU-000001", 1), ("SKU-000002", 2)]
    assert Order.objects.filter(marketplace_order_id="ORDER-1001-A", state=Order.State.SENT).count() == 2
    assert StockLevel.objects.get(sku="SKU-000001").shadow_available == 19  # not counted again

    # split shipments: two packages per order
    for key in (key_a, key_b):
        items = {i["sku"]: i["lineItemKey"] for i in ss.order_by_key(key)["items"]}
        ss.ship_order(
            key, [[(items["SKU-000001"], 1)], [(items["SKU-000002"], 2)]], carrier_code="fedex", notify=False
        )
    poll_shipstation()
    assert run_due_jobs(PUSH_TRACKING_KIND) == 4

    # operator A: OR23 (FedEx -> SH21 code FED) then OR24 with the first package; the second is recorded only
    op_a, op_b = sim.operators["operator-a"], sim.operators["operator-b"]
    calls = [c.path.rsplit("/", 1)[1] for c in sim.calls("PUT", "/operator-a/api/orders/ORDER-1001-A/")]
    assert calls == ["accept", "tracking", "ship", "tracking"]
    assert [t["carrier_code"] for t in op_a.tracking["ORDER-1001-A"]] == ["FED"]
    assert op_a.orders["ORDER-1001-A"]["order_state"] == "SHIPPED"
    # operator B (multi-shipment): one ST01 shipment per package, with its lines and tracking
    assert len(sim.calls("POST", "/operator-b/api/shipments")) == 2
    assert sorted(line["order_line_id"] for s in op_b.shipments for line in s["shipment_lines"]) == [
        "ORDER-1001-A-1",
        "ORDER-1001-A-2",
    ]
    assert op_b.orders["ORDER-1001-A"]["order_state"] == "SHIPPED"
    assert set(ShipStationShipment.objects.values_list("tracking_state", flat=True)) == {"pushed"}
    assert len(sim.calls("GET", "/operator-a/api/shipping/carriers")) == 1  # SH21 once


def test_a_cancellation_before_shipment_cancels_in_shipstation_and_gives_the_stock_back(operators):
    sim, ss, accounts, _ = operators
    account = accounts["operator-a"]
    sim.add_order("operator-a", "ORDER-2001-A", lines=[{"sku": "SKU-000003", "quantity": 2}])
    pull_all(sim, accounts)
    pull_all(sim, accounts)  # SHIPPING now: sent on
    run_due_jobs(CREATE_KIND)
    key = f"mirakl-{account.pk}:ORDER-2001-A"
    assert ss.order_by_key(key)["orderStatus"] == "awaiting_shipment"
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 19

    sim.cancel_order("operator-a", "ORDER-2001-A")
    summary = pull_orders(account)
    assert summary.result.cancelled == 1
    assert Order.objects.get(marketplace_order_id="ORDER-2001-A").state == Order.State.CANCELLED
    assert StockLevel.objects.get(sku="SKU-000003").shadow_available == 21
    run_due_jobs(CANCEL_KIND)
    assert ss.order_by_key(key)["orderStatus"] == "cancelled"
    assert ShipStationOrder.objects.get().state == "cancelled"


def test_stock_one_import_per_account_three_rejections_recorded_then_no_call(operators):
    sim, _, accounts, zoho = operators
    imports_a = sim.calls("POST", "/operator-a" + IMPORTS)
    imports_b = sim.calls("POST", "/operator-b" + IMPORTS)
    assert len(imports_a) == len(imports_b) == 1  # 12 changed SKUs each, one file each
    assert sim.operators["operator-a"].offers["SKU-000000"] == 10  # floor((21 - 1) * 0.5)
    assert sim.operators["operator-b"].offers["SKU-000000"] == 8
    assert PublishedQuantity.objects.filter(last_result="accepted", last_reason="").count() == 24

    # Zoho changes 1,000 SKUs; operator A rejects three of them
    zoho.add_items(1000, stock=lambda i: 31, prefix="MKL-")
    bad = {"MKL-000100", "MKL-000500", "MKL-000900"}
    sim.operators["operator-a"].rejected_skus = {sku: f"The offer {sku} does not exist" for sku in bad}
    sync_items(full=True)
    run_pushes()
    new_a = sim.calls("POST", "/operator-a" + IMPORTS)[1:]
    new_b = sim.calls("POST", "/operator-b" + IMPORTS)[1:]
    assert len(new_a) == len(new_b) == 1  # 1,000 changed SKUs: one STO01 file per account
    assert new_a[0].body.count(b'"MKL-') == new_b[0].body.count(b'"MKL-') == 1000
    assert run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130)) == 2
    rejected = PublishedQuantity.objects.filter(last_result="rejected")
    assert {(r.account_id, r.sku, r.last_reason) for r in rejected} == {
        (accounts["operator-a"].pk, sku, f"The offer {sku} does not exist") for sku in bad
    }
    assert not any(sku in sim.operators["operator-a"].offers for sku in bad)
    assert len(sim.operators["operator-b"].offers) == 1012

    # nothing changed since: a resync makes no call
    sim.operators["operator-a"].rejected_skus.clear()
    sim.next_minute()
    sync_items(full=True)
    run_pushes()  # the three rejected SKUs go again, alone
    again_a = sim.calls("POST", "/operator-a" + IMPORTS)[-1]
    assert again_a.body.count(b'"MKL-') == 3
    run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
    before = len(sim.calls("POST"))
    sim.next_minute()
    sync_items(full=True)
    run_pushes()
    assert len(sim.calls("POST")) == before


@pytest.mark.parametrize("failures,state,attempts", [(2, "succeeded", 3), (99, "failed", 6)])
def test_tracking_is_retried_five_times(operators, failures, state, attempts):
    sim, ss, accounts, _ = operators
    account = accounts["operator-a"]
    sim.add_order("operator-a", "ORDER-3001-A", lines=[{"sku": "SKU-000004", "quantity": 1}])
    pull_all(sim, accounts)
    pull_all(sim, accounts)
    run_due_jobs(CREATE_KIND)
    ss.ship_order(f"mirakl-{account.pk}:ORDER-3001-A", carrier_code="ups", notify=False)
    poll_shipstation()
    sim.failures["OR23"] = failures
    later = timezone.now()
    for _ in range(8):
        later += timedelta(hours=2)
        run_due_jobs(PUSH_TRACKING_KIND, now=later)
    job = OutboundJob.objects.get(kind=PUSH_TRACKING_KIND)
    assert job.state == state and job.attempt_rows.count() == attempts
    pushed = sim.operators["operator-a"].orders["ORDER-3001-A"]["order_state"] == "SHIPPED"
    assert pushed == (state == "succeeded")
