"""POST /webhook/shipstation/<secret>: ShipStation V1 webhooks (SHIP_NOTIFY, ITEM_SHIP_NOTIFY).

V1 signs nothing: the secret in our URL authenticates (constant-time compare; wrong -> 401). The body holds
only a ``resource_url``; its host must be ShipStation's API host (or our configured base URL's); anything
else is stored, logged and rejected with 400, never fetched. Accepted bodies are fetched by the worker."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from rest_framework import status
from rest_framework.response import Response

from integration_server.webhooks import WebhookView, constant_time_equals
from logistics.shipstation.accounts import active_account
from logistics.shipstation.resource_urls import resource_url_allowed
from logistics.shipstation.shipments import SHIP_EVENTS

log = logging.getLogger(__name__)


class ShipStationWebhookView(WebhookView):
    source = "shipstation"

    def verify(self, request, body: bytes, secret: str = "", **kwargs) -> bool:
        account = active_account()
        request._shipstation_account = account
        return bool(account and account.webhook_secret and secret) and constant_time_equals(
            secret, account.webhook_secret
        )

    def parse(self, body: bytes):
        payload = super().parse(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("resource_url", ""), str):
            raise ValueError("not a ShipStation webhook body")
        return payload

    def kind_of(self, request, payload) -> str:
        return str(payload.get("resource_type", ""))[:80]

    def is_relevant(self, request, payload) -> bool:
        if payload.get("resource_type") not in SHIP_EVENTS:
            return False
        account = getattr(request._request, "_shipstation_account", None) or active_account()
        url = payload.get("resource_url") or ""
        if not resource_url_allowed(url, account.allowed_resource_hosts, account.base_url):
            request._foreign_resource_host = True
            log.warning(
                "shipstation.webhook_foreign_host",
                extra={
                    "host": (urlsplit(url).hostname or "")[:100],
                    "resource_type": payload.get("resource_type"),
                },
            )
            return False
        return True

    def post(self, request, **kwargs):
        response = super().post(request, **kwargs)
        if getattr(request, "_foreign_resource_host", False):
            rejected = Response(
                {"error": "resource_url host not allowed"}, status=status.HTTP_400_BAD_REQUEST
            )
            # Django logs every 4xx with the request path, and our path carries the secret: we logged it ourselves.
            rejected._has_been_logged = True
            return rejected
        return response
