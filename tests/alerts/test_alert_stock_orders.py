"""Shadow stock 0 through the real order flow: orders announced like the ingest does decrement the shadow
stock (inventory) and record one depletion event; the alert goes out once, not once per order."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from alerts.models import Alert, AlertNotice, RuleKind
from alerts.services.evaluate import evaluate_alerts
from inventory.models import StockEvent, StockLevel
from marketplaces.models import MarketplaceAccount, Order, OrderLine
from marketplaces.services.order_events import NEW_ORDERS
from tests.alerts.support import only_rule, ops_recipient

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


def order_units(account, sku: str, quantity: int) -> None:
    with transaction.atomic():
        n = next(_seq)
        order = Order.objects.create(account=account, marketplace_order_id=f"STK-{n}")
        OrderLine.objects.create(order=order, line_id=f"L{n}", sku=sku, quantity=quantity)
        NEW_ORDERS.send(list(Order.objects.filter(pk=order.pk).prefetch_related("lines")))


def test_depletion_by_orders_alerts_once_not_per_order():
    only_rule(RuleKind.STOCK_DEPLETED)
    ops_recipient()
    account = MarketplaceAccount.objects.create(channel="amazon", name="Amazon US", shipstation_store_id=7)
    StockLevel.objects.create(sku="A", zoho_available=3, shadow_available=3)

    order_units(account, "A", 1)
    assert evaluate_alerts().messages == 0  # 2 left: nothing
    order_units(account, "A", 2)  # 0 left: depleted
    for _ in range(3):
        order_units(account, "A", 1)  # oversold further: the same depletion
    assert StockEvent.objects.filter(sku="A").count() == 1

    result = evaluate_alerts()
    assert result.messages == 1
    assert AlertNotice.objects.get().title == "WARNING: shadow stock of SKU A reached 0"
    order_units(account, "A", 1)
    assert evaluate_alerts().messages == 0
    assert Alert.objects.filter(subject="A").count() == 1
