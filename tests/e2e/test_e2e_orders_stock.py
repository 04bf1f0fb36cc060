"""Orders meet stock, over real HTTP: an Amazon order pulled by the real pull service drops the SKU's
shadow stock in the order's own transaction, the threshold rebalance patches that SKU alone on both Amazon
accounts, the next Zoho webhook resets it; a cancellation before shipment gives the units back and cancels
the ShipStation order."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.outbox.runner import run_due_jobs
from inventory.models import PublishedQuantity, ShadowDecrement, StockLevel
from inventory.services.zoho_sync import sync_items
from logistics.models import ShipStationOrder
from logistics.shipstation.outbound import CANCEL_KIND, CREATE_KIND
from marketplaces.models import Order
from marketplaces.services import order_events
from marketplaces.services.pull import pull_orders

from .conftest import ZOHO_SECRET, amazon_calls, listed, run_pushes

pytestmark = pytest.mark.django_db

SKU = "SKU-000007"
ORDER_ID = "113-0000007-0000001"


@pytest.fixture
def stocked(stores):
    """30 SKUs synced from Zoho and published on both Amazon accounts (one feed each); SKU-000007 has 5
    in Zoho: base 4 -> Amazon US floor(4 * 0.6) = 2, Amazon DE floor(4 * 0.5) = 2."""
    stores["zoho"].add_items(30, stock=lambda i: 5 if i == 7 else 20)
    sync_items(full=True)
    run_pushes()
    assert listed(stores["amazon_us"])["SKU-000000"] == 11 and listed(stores["amazon_de"])["SKU-000000"] == 9
    for sim in (stores["amazon_us"], stores["amazon_de"]):
        assert listed(sim)[SKU] == 2
        assert amazon_calls(sim) == {"patch": 0, "feed_document": 1, "feed": 1}
        sim.requests.clear()
    return stores


def _shadow(sku=SKU) -> int:
    return StockLevel.objects.get(sku=sku).shadow_available


def _published(sku=SKU) -> dict[str, tuple[int, int | None, int]]:
    return {
        pq.account.name: (pq.target_quantity, pq.published_quantity, pq.ordered_since_publish)
        for pq in PublishedQuantity.objects.filter(sku=sku).select_related("account")
    }


def _patched(sim) -> list[str]:
    return [r.path.rsplit("/", 1)[1] for r in sim.calls("PATCH", "/listings/2021-08-01/items/")]


def test_order_drops_shadow_stock_and_rebalances_only_that_sku(stocked, client):
    us, us_sim, de_sim, zoho = stocked["us"], stocked["amazon_us"], stocked["amazon_de"], stocked["zoho"]
    us_sim.add_order(ORDER_ID, items=[{"sku": SKU, "quantity": 1, "price": "30.00"}])

    # same transaction: when a later reaction fails, neither the order nor the shadow stock moves
    def boom(orders):
        raise RuntimeError("a later reaction failed")

    with order_events.NEW_ORDERS.subscribed(boom), pytest.raises(RuntimeError):
        pull_orders(us)
    assert not Order.objects.exists() and _shadow() == 5 and not ShadowDecrement.objects.exists()

    summary = pull_orders(us)
    assert summary.result.created == 1
    # at once, before any job ran: the order line took its unit off the shadow stock
    line = Order.objects.get(marketplace_order_id=ORDER_ID).lines.get()
    assert ShadowDecrement.objects.get(order_line=line).quantity == 1
    assert _shadow() == 4
    # remaining on Amazon US = 2 published - 1 ordered = 1 <= threshold 1: rebalanced on shadow 4 (base 3)
    assert _published() == {"Amazon US": (1, 2, 1), "Amazon DE": (1, 2, 0)}

    run_pushes()
    assert _patched(us_sim) == [SKU] and _patched(de_sim) == [SKU]  # that SKU alone, one patch each
    assert amazon_calls(us_sim)["feed"] == amazon_calls(de_sim)["feed"] == 0
    assert listed(us_sim)[SKU] == 1 and listed(de_sim)[SKU] == 1
    assert listed(us_sim)["SKU-000006"] == 11  # the other SKUs untouched
    assert _published() == {"Amazon US": (1, 1, 0), "Amazon DE": (1, 1, 0)}

    # Zoho now counts the order (5 - 1) and a receipt of 8: its webhook resets the shadow stock to 12
    zoho.set_stock(SKU, 12)
    answer = client.post(
        f"/webhook/zoho/{ZOHO_SECRET}",
        data=json.dumps({"item": zoho.item_by_sku(SKU)}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    run_due_jobs("webhook.zoho")
    run_pushes()
    level = StockLevel.objects.get(sku=SKU)
    assert (level.zoho_available, level.shadow_available) == (12, 12)
    # base 11: US floor(6.6) = 6, DE floor(5.5) = 5, one more patch each, for that SKU
    assert listed(us_sim)[SKU] == 6 and listed(de_sim)[SKU] == 5
    assert _patched(us_sim) == [SKU, SKU] and _patched(de_sim) == [SKU, SKU]
    assert _published() == {"Amazon US": (6, 6, 0), "Amazon DE": (5, 5, 0)}

    # a wrong secret is refused and changes nothing
    assert client.post("/webhook/zoho/wrong", data="{}", content_type="application/json").status_code == 401


def test_cancellation_before_shipment_gives_units_back_and_cancels_the_shipstation_order(stocked):
    us, us_sim, de_sim, ss = stocked["us"], stocked["amazon_us"], stocked["amazon_de"], stocked["shipstation"]
    us_sim.add_order(ORDER_ID, items=[{"sku": SKU, "quantity": 1, "price": "30.00"}])
    pull_orders(us)
    run_due_jobs(CREATE_KIND)
    run_pushes()
    assert ss.order_by_key(f"amazon:{ORDER_ID}")["orderStatus"] == "awaiting_shipment"
    assert _shadow() == 4 and listed(us_sim)[SKU] == 1 and listed(de_sim)[SKU] == 1

    us_sim.set_status(ORDER_ID, "CANCELLED")
    summary = pull_orders(us, since=timezone.now() - timedelta(days=1))
    assert summary.result.cancelled == 1
    assert _shadow() == 5  # the unit is back at once, in the ingest transaction
    run_due_jobs(CANCEL_KIND)
    run_pushes()

    assert ss.order_by_key(f"amazon:{ORDER_ID}")["orderStatus"] == "cancelled"
    assert ShipStationOrder.objects.get(order__marketplace_order_id=ORDER_ID).state == "cancelled"
    assert listed(us_sim)[SKU] == 2 and listed(de_sim)[SKU] == 2  # back to base 4: 2 and 2
    assert _patched(us_sim) == [SKU, SKU] and _patched(de_sim) == [SKU, SKU]
    assert ShadowDecrement.objects.get().returned_at is not None

    # pulling the cancelled order again gives nothing back twice
    pull_orders(us, since=timezone.now() - timedelta(days=1))
    run_pushes()
    assert _shadow() == 5 and len(_patched(us_sim)) == 2
