"""Issue 9 point 7: a fulfillment whose webhook never arrived is found by the reconciliation schedule;
``shopify_webhooks --register`` subscribes the fulfillment topics for each shop, idempotently."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from logistics.models import ShopifyShop, TrackedShipment
from logistics.shopify.reconcile import reconcile_shop
from logistics.shopify.tasks import reconcile_shopify_task
from notifications.models import Notification
from tests.plugins.notifications import after_settle_window, drain, post_shopify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def test_a_missed_webhook_is_reconciled_once(client, shop, shopify_sim, anymail_test_backend):
    shopify_sim.add_order(2001, lines=[("PRE-T1", "T1 (pre-order)", 1)])
    shopify_sim.add_order(2002, lines=[("LOCK", "Lock", 1)])
    seen = shopify_sim.fulfill(2002, [("LOCK", 1)], ["1ZSEEN0001"])
    post_shopify(client, json.dumps(seen).encode(), webhook_id="rec-1")
    drain()
    shopify_sim.fulfill(2001, [("PRE-T1", 1)], ["1ZMISS0001"])  # its webhook never arrives
    shopify_sim.requests.clear()

    result = reconcile_shopify_task()
    assert result[shop.name] == {"orders": 2, "missed": 1}
    drain(now=after_settle_window())
    shipment = TrackedShipment.objects.get(tracking_number="1ZMISS0001")
    assert shipment.shopify_order.order_id == "2001"
    assert Notification.objects.get(order_number="#2001").kind == "presale_shipped"
    assert len(anymail_test_backend) == 1
    # the full order was read only for the missed one
    queries = [json.loads(c.body)["query"] for c in shopify_sim.calls("POST")]
    assert sum("order(id:" in q for q in queries) == 1

    # the next run reads from the watermark minus the overlap and finds nothing new
    shop.refresh_from_db()
    assert shop.reconciled_until is not None
    assert reconcile_shop(shop, now=timezone.now() + timedelta(minutes=30)) == {"orders": 2, "missed": 0}
    assert Notification.objects.count() == 1


def test_reconciliation_of_a_shop_with_a_missing_scope_is_shown_on_the_shop(shop, shopify_sim):
    shop.presale_rule = "product_tag"
    shop.presale_tags = "preorder"
    shop.save()
    shopify_sim.add_order(2003, lines=[("T1", "T1", 1, ["preorder"])])
    shopify_sim.fulfill(2003, [("T1", 1)], ["1ZMISS0003"])
    shopify_sim.scopes.discard("read_products")
    result = reconcile_shopify_task()
    assert "read_products" in result[shop.name]["error"]
    assert "read_products" in ShopifyShop.objects.get(pk=shop.pk).configuration_error


def test_register_fulfillment_webhooks_idempotently(shop, shopify_sim, settings):
    settings.PUBLIC_BASE_URL = "https://integration.example.com"
    out = StringIO()
    call_command("shopify_webhooks", "--register", stdout=out)
    assert "FULFILLMENTS_CREATE subscribed" in out.getvalue()
    assert "FULFILLMENTS_UPDATE subscribed" in out.getvalue()
    out = StringIO()
    call_command("shopify_webhooks", "--register", stdout=out)
    assert out.getvalue().count("already subscribed") == 2
    assert sorted((h["topic"], h["uri"]) for h in shopify_sim.webhooks) == [
        ("FULFILLMENTS_CREATE", "https://integration.example.com/webhook/shopify"),
        ("FULFILLMENTS_UPDATE", "https://integration.example.com/webhook/shopify"),
    ]
    out = StringIO()
    call_command("shopify_webhooks", stdout=out)
    assert "2 fulfillment webhook subscription(s)" in out.getvalue()
