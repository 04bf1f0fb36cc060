"""Zoho Inventory webhook: POST /webhook/zoho/<secret> from a workflow rule on Items (default payload)."""

from __future__ import annotations

from integration_server.webhooks import WebhookView, constant_time_equals, header
from inventory.models import ZohoConnection


class ZohoItemWebhookView(WebhookView):
    source = "zoho"

    def verify(self, request, body: bytes, secret: str = "", **kwargs) -> bool:
        expected = ZohoConnection.objects.filter(pk=1).values_list("webhook_secret", flat=True).first()
        given = secret or header(request, "X-Zoho-Webhook-Secret")
        return bool(expected) and bool(given) and constant_time_equals(given, expected)

    def kind_of(self, request, payload) -> str:
        return "item"

    def external_id(self, payload) -> str:
        item = (
            payload.get("item")
            if isinstance(payload, dict) and isinstance(payload.get("item"), dict)
            else payload
        )
        return str(item.get("sku") or "") if isinstance(item, dict) else ""
