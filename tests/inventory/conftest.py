"""Inventory test set-up: marketplace accounts with ratios, a recording connector per channel (the registry
is restored afterwards), a Zoho connection, a Zoho simulator served over HTTP, order factories."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import transaction

from integration_server.outbox.runner import run_due_jobs
from inventory.clients.zoho import ZohoClient
from inventory.models import AccountStockPolicy, StockLevel, StockPolicy, ZohoConnection
from inventory.services.publishing import PUSH_STOCK
from inventory.simulators.zoho import ZohoSimulator
from marketplaces.connectors import base as connector_base
from marketplaces.connectors.base import MarketplaceConnector, QuantityResult
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.order_events import CANCELLED_ORDERS, NEW_ORDERS
from tests.marketplaces.factories import OrderFactory, OrderLineFactory

WEBHOOK_SECRET = "zoho-hook-secret-0123456789abcdef"


class RecordingConnector(MarketplaceConnector):
    """Records every quantity call: ``calls`` is a list of [(sku, qty), ...] per call, per channel class."""

    channel = "amazon"
    max_quantity_batch = 250
    calls: list = []
    reject: dict = {}
    fail_with: list = []

    def iter_orders(self, updated_since):
        return iter(())

    def confirm_shipment(self, confirmation):
        return None

    def update_quantities(self, updates):
        assert len(updates) <= self.max_quantity_batch
        if self.fail_with:
            raise self.fail_with.pop(0)
        type(self).calls.append([(u.sku, u.quantity) for u in updates])
        return [
            QuantityResult(sku=u.sku, accepted=u.sku not in self.reject, reason=self.reject.get(u.sku, ""))
            for u in updates
        ]


class AmazonRecorder(RecordingConnector):
    channel = "amazon"
    max_quantity_batch = 250


class EbayRecorder(RecordingConnector):
    channel = "ebay"
    max_quantity_batch = 25


@pytest.fixture
def recorders():
    for cls in (AmazonRecorder, EbayRecorder):
        cls.calls, cls.reject, cls.fail_with = [], {}, []
        connector_base.register_connector(cls.channel, cls)
    return {"amazon": AmazonRecorder, "ebay": EbayRecorder}


@pytest.fixture
def accounts(db, recorders):
    amazon = MarketplaceAccount.objects.create(channel="amazon", name="Amazon US")
    ebay = MarketplaceAccount.objects.create(channel="ebay", name="eBay")
    AccountStockPolicy.objects.create(account=amazon, ratio=Decimal("0.6"))
    AccountStockPolicy.objects.create(account=ebay, ratio=Decimal("0.5"))
    StockPolicy.current()
    return {"amazon": amazon, "ebay": ebay}


@pytest.fixture
def zoho_sim():
    from integration_server.simulators import serve_in_thread

    sim = ZohoSimulator(rate_limit=1000)
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture
def zoho_connection(db, zoho_sim):
    return ZohoConnection.objects.create(
        organization_id=zoho_sim.organization_id,
        accounts_url=zoho_sim.base_url,
        api_base_url=zoho_sim.base_url + "/inventory/v1",
        client_id=zoho_sim.client_id,
        client_secret=zoho_sim.client_secret,
        refresh_token=zoho_sim.refresh_token,
        webhook_secret=WEBHOOK_SECRET,
    )


@pytest.fixture
def zoho_client(zoho_connection):
    client = ZohoClient(zoho_connection)
    client.fixed_throttle_wait = 0.05
    return client


_seq = itertools.count(1)


def make_orders(account, sku_qty: list[tuple[str, int]], *, per_order: int = 1) -> list[Order]:
    """Orders (one line each unless per_order > 1) created and announced like the ingest would."""
    orders = []
    with transaction.atomic():
        for start in range(0, len(sku_qty), per_order):
            n = next(_seq)
            order = OrderFactory(account=account, marketplace_order_id=f"ORD-{n}")
            for i, (sku, qty) in enumerate(sku_qty[start : start + per_order]):
                OrderLineFactory(order=order, line_id=f"L{n}-{i}", sku=sku, quantity=qty)
            orders.append(order)
        fetched = list(Order.objects.filter(pk__in=[o.pk for o in orders]).prefetch_related("lines"))
        NEW_ORDERS.send(fetched)
    return fetched


def cancel_orders(orders):
    with transaction.atomic():
        CANCELLED_ORDERS.send(
            list(Order.objects.filter(pk__in=[o.pk for o in orders]).prefetch_related("lines"))
        )


def set_level(sku: str, available: int) -> StockLevel:
    from django.utils import timezone

    return StockLevel.objects.update_or_create(
        sku=sku,
        defaults={
            "zoho_available": available,
            "shadow_available": available,
            "zoho_modified_at": timezone.now(),
            "shadow_reset_at": timezone.now(),
        },
    )[0]


def run_pushes():
    return run_due_jobs(PUSH_STOCK)
