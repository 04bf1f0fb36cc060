"""POST /webhook/shopify: HMAC over the raw body with the shop's secret, deduplicated on the webhook id."""

from __future__ import annotations

from django.utils import timezone

from integration_server.key_cache import forget_on_change, verify_with_cached
from integration_server.webhooks import WebhookView, header
from logistics.models import ShopifyShop
from logistics.shopify import conf
from logistics.shopify.freshness import delivery_is_fresh
from logistics.shopify.services import FULFILLMENT_TOPICS, external_id_for
from logistics.shopify.signature import hmac_matches

forget_on_change(ShopifyShop, "shopify")


class ShopifyWebhookView(WebhookView):
    source = "shopify"

    def verify(self, request, body: bytes, **kwargs) -> bool:
        domain = header(request, "X-Shopify-Shop-Domain").strip().lower()
        if not domain:
            return False
        signature = header(request, "X-Shopify-Hmac-Sha256")

        def check(shop):
            if shop is None:
                return False
            self.shop_domain = shop.shop_domain
            secrets = shop.webhook_secrets(grace_minutes=conf.SHOPIFY_SECRET_GRACE_MINUTES)
            if not hmac_matches(body, signature, secrets):
                return False
            # The HMAC covers the body only: an old delivery replayed under a fresh webhook id is refused here.
            return delivery_is_fresh(
                header(request, "X-Shopify-Triggered-At"),
                now=timezone.now(),
                max_age_minutes=conf.SHOPIFY_WEBHOOK_MAX_AGE_MINUTES,
            )

        return verify_with_cached(
            "shopify",
            domain,
            lambda: ShopifyShop.objects.filter(shop_domain=domain, enabled=True).first(),
            check,
        )

    def delivery_id(self, request, payload, body: bytes) -> str | None:
        webhook_id = header(request, "X-Shopify-Webhook-Id")
        return f"{self.shop_domain}:{webhook_id}" if webhook_id else None

    def kind_of(self, request, payload) -> str:
        return header(request, "X-Shopify-Topic").strip()

    def external_id(self, payload) -> str:
        return external_id_for(self.shop_domain, payload.get("id", "") if isinstance(payload, dict) else "")

    def is_relevant(self, request, payload) -> bool:
        return self.kind_of(request, payload) in FULFILLMENT_TOPICS and isinstance(payload, dict)
