"""Shadow stock: decrement once per order line in the ingest transaction, give back on cancellation, depletion
events once per depletion, the low-stock rebalance pushing only the changed quantities."""

import pytest

from integration_server.models import OutboundJob
from inventory.models import PublishedQuantity, ShadowDecrement, StockEvent, StockLevel
from inventory.services.publishing import PUSH_STOCK, reallocate_and_enqueue
from marketplaces.models import Order
from marketplaces.services.order_events import NEW_ORDERS

from .conftest import cancel_orders, make_orders, run_pushes, set_level

pytestmark = pytest.mark.django_db


def _published(sku):
    return {
        pq.account.name: (pq.target_quantity, pq.published_quantity)
        for pq in PublishedQuantity.objects.filter(sku=sku).select_related("account")
    }


def _publish_all(skus_levels):
    reallocate_and_enqueue(skus_levels)
    run_pushes()


def test_order_decrements_shadow_once_even_when_announced_twice(accounts):
    set_level("A", 21)
    orders = make_orders(accounts["amazon"], [("A", 3)])
    assert StockLevel.objects.get(sku="A").shadow_available == 18
    # the ingest announcing the same orders again (a retried transaction, a re-pull) changes nothing
    NEW_ORDERS.send(list(Order.objects.filter(pk=orders[0].pk).prefetch_related("lines")))
    assert StockLevel.objects.get(sku="A").shadow_available == 18
    assert ShadowDecrement.objects.filter(sku="A").count() == 1


def test_cancellation_before_shipment_gives_units_back_once(accounts):
    set_level("A", 21)
    orders = make_orders(accounts["amazon"], [("A", 4)])
    cancel_orders(orders)
    cancel_orders(orders)
    assert StockLevel.objects.get(sku="A").shadow_available == 21
    assert ShadowDecrement.objects.get(sku="A").returned_at is not None


def test_units_ordered_before_a_zoho_reset_are_not_given_back(accounts):
    set_level("A", 21)
    orders = make_orders(accounts["amazon"], [("A", 4)])
    set_level("A", 17)  # Zoho's figure now includes the order
    cancel_orders(orders)
    assert StockLevel.objects.get(sku="A").shadow_available == 17


def test_low_stock_rebalance_pushes_only_that_skus_changed_quantities(accounts, recorders):
    set_level("A", 11)  # base 10: amazon 0.6 -> 6, ebay 0.5 -> 5 (sum 1.1 <= 1.5)
    set_level("B", 11)
    _publish_all({"A": 11, "B": 11})
    assert _published("A") == {"Amazon US": (6, 6), "eBay": (5, 5)}
    recorders["amazon"].calls.clear()
    recorders["ebay"].calls.clear()

    make_orders(accounts["amazon"], [("A", 2)])  # remaining on Amazon 6 - 2 = 4 > 1: no rebalance yet
    assert StockLevel.objects.get(sku="A").shadow_available == 9
    assert not OutboundJob.objects.filter(kind=PUSH_STOCK, state="pending").exists()

    make_orders(accounts["amazon"], [("A", 3)])  # remaining 6 - 5 = 1 <= threshold 1: rebalance A
    assert StockLevel.objects.get(sku="A").shadow_available == 6
    run_pushes()
    # shadow 6 -> base 5 -> amazon floor(3.0) = 3, ebay floor(2.5) = 2
    assert recorders["amazon"].calls == [[("A", 3)]]
    assert recorders["ebay"].calls == [[("A", 2)]]
    assert _published("A") == {"Amazon US": (3, 3), "eBay": (2, 2)}
    assert _published("B") == {"Amazon US": (6, 6), "eBay": (5, 5)}
    assert PublishedQuantity.objects.get(sku="A", account=accounts["amazon"]).ordered_since_publish == 0


def test_depletion_publishes_zero_everywhere_and_records_one_event(accounts, recorders):
    set_level("A", 4)
    _publish_all({"A": 4})  # base 3: amazon 1, ebay 1
    make_orders(accounts["ebay"], [("A", 2)])
    make_orders(accounts["amazon"], [("A", 2)])  # shadow 0
    make_orders(accounts["amazon"], [("A", 1)])  # oversold: -1, still the same depletion
    run_pushes()
    assert StockLevel.objects.get(sku="A").shadow_available == -1
    assert _published("A") == {"Amazon US": (0, 0), "eBay": (0, 0)}
    assert StockEvent.objects.filter(sku="A", kind="depleted").count() == 1
    # Zoho restocks, then it runs out again: a second event
    set_level("A", 3)
    StockLevel.objects.filter(sku="A").update(depleted=False)
    make_orders(accounts["amazon"], [("A", 3)])
    assert StockEvent.objects.filter(sku="A", kind="depleted").count() == 2


def test_many_orders_cost_a_constant_number_of_queries(accounts, recorders, django_assert_max_num_queries):
    from django.db import transaction

    from marketplaces.models import OrderLine

    skus = [f"S{i:03d}" for i in range(60)]
    for sku in skus:
        set_level(sku, 100)
    _publish_all(dict.fromkeys(skus, 100))
    recorders["ebay"].calls.clear()
    with transaction.atomic():
        orders = []
        for i, sku in enumerate(skus * 2):
            order = Order.objects.create(account=accounts["amazon"], marketplace_order_id=f"Q{i}")
            OrderLine.objects.create(order=order, line_id="1", sku=sku, quantity=30)
            orders.append(order.pk)
        batch = list(Order.objects.filter(pk__in=orders).prefetch_related("lines"))
        with django_assert_max_num_queries(20):
            NEW_ORDERS.send(batch)  # 120 lines, 60 SKUs, all crossing the threshold
    assert StockLevel.objects.get(sku="S000").shadow_available == 40
    assert OutboundJob.objects.filter(kind=PUSH_STOCK, state="pending").count() == 2  # one per account
    run_pushes()
    assert [len(call) for call in recorders["ebay"].calls] == [25, 25, 10]  # calls of at most 25 SKUs
