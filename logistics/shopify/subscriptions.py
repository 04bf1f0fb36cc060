"""Subscribing the fulfillment topics to our webhook URL for each shop (``manage.py shopify_webhooks``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from logistics.models import ShopifyShop
from logistics.shopify.client import WEBHOOK_TOPICS, ShopifyClient


def webhook_url(public_base_url: str | None = None) -> str:
    return (public_base_url or settings.PUBLIC_BASE_URL).rstrip("/") + reverse("webhook-shopify")


def subscribe_fulfillment_topics(shop: ShopifyShop, public_base_url: str | None = None) -> dict[str, str]:
    """Subscribe each fulfillment topic to our URL unless a subscription to it exists (idempotent).
    Returns topic -> "subscribed" | "already subscribed"."""
    target = webhook_url(public_base_url)
    client = ShopifyClient(shop)
    existing = {(hook.get("topic"), hook.get("uri")) for hook in client.webhook_subscriptions()}
    outcome = {}
    for topic in WEBHOOK_TOPICS.values():
        if (topic, target) in existing:
            outcome[topic] = "already subscribed"
            continue
        client.subscribe_webhook(topic, target)
        outcome[topic] = "subscribed"
    return outcome
