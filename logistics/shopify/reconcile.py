"""Fulfillments whose webhook never arrived: read the shop's recently fulfilled orders through GraphQL (with
an overlap window) and process, through the webhook's own path, every order with a tracking number not seen
yet. Idempotent: processing an order again changes nothing and sends nothing twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from integration_server.http.errors import ExternalApiError
from logistics.models import ShopifyShop, TrackedShipment
from logistics.shopify import conf
from logistics.shopify.client import ShopifyClient, ShopifyConfigurationError
from logistics.shopify.services import fetch_order_or_flag_shop, record_shipped_order

log = logging.getLogger(__name__)


def _tail(gid) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def reconcile_window_start(shop: ShopifyShop, now):
    if shop.reconciled_until is None:
        return now - timedelta(hours=conf.SHOPIFY_RECONCILE_LOOKBACK_HOURS)
    return shop.reconciled_until - timedelta(minutes=conf.SHOPIFY_RECONCILE_OVERLAP_MINUTES)


def reconcile_shop(shop: ShopifyShop, *, now=None, client: ShopifyClient | None = None) -> dict:
    """One shop: returns counts; the watermark moves only when every page was read."""
    now = now or timezone.now()
    since = reconcile_window_start(shop, now)
    client = client or ShopifyClient(shop)
    counts = {"orders": 0, "missed": 0}
    try:
        for nodes in client.recently_fulfilled_orders(since):
            counts["orders"] += len(nodes)
            numbers_by_order = {
                _tail(node.get("id")): {
                    (info.get("number") or "").strip()
                    for fulfillment in node.get("fulfillments") or []
                    for info in fulfillment.get("trackingInfo") or []
                    if (info.get("number") or "").strip()
                }
                for node in nodes
            }
            known = set(
                TrackedShipment.objects.filter(
                    tracking_number__in={n for numbers in numbers_by_order.values() for n in numbers}
                ).values_list("tracking_number", flat=True)
            )
            for order_id, numbers in numbers_by_order.items():
                if numbers - known:
                    order = fetch_order_or_flag_shop(shop, order_id)
                    record_shipped_order(shop, order_id, order)
                    counts["missed"] += 1
    except ShopifyConfigurationError as exc:
        ShopifyShop.objects.filter(pk=shop.pk).update(
            configuration_error=str(exc)[:2000], configuration_error_at=now
        )
        raise
    ShopifyShop.objects.filter(pk=shop.pk).update(reconciled_until=now)
    shop.reconciled_until = now
    if counts["missed"]:
        log.warning("shopify.missed_fulfillments", extra={"shop_id": shop.pk, **counts})
    return counts


def reconcile_all(now=None) -> dict:
    """Every enabled shop with a token; a shop that fails does not stop the others."""
    results = {}
    for shop in ShopifyShop.objects.filter(enabled=True).exclude(admin_api_token=""):
        try:
            results[shop.name] = reconcile_shop(shop, now=now)
        except ExternalApiError as exc:
            log.warning("shopify.reconcile_failed", extra={"shop_id": shop.pk, "error": type(exc).__name__})
            results[shop.name] = {"error": str(exc)[:300]}
    return results
