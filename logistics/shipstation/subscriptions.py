"""Subscribing our SHIP_NOTIFY webhook through the ShipStation API (``manage.py shipstation_webhooks``)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.urls import reverse

from logistics.models import ShipStationAccount
from logistics.shipstation.accounts import client_for

EVENT = "SHIP_NOTIFY"
FRIENDLY_NAME = "integration-server shipments"


def webhook_url(account: ShipStationAccount, public_base_url: str | None = None) -> str:
    base = (public_base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    return base + reverse("shipstation-webhook", kwargs={"secret": account.webhook_secret})


def ensure_webhook_secret(account: ShipStationAccount) -> None:
    if not account.webhook_secret:
        account.webhook_secret = secrets.token_urlsafe(32)
        account.save(update_fields=["webhook_secret"])


def subscribe_ship_notify(
    account: ShipStationAccount, public_base_url: str | None = None
) -> tuple[int, bool]:
    """Subscribe SHIP_NOTIFY to our URL unless a subscription to it exists. -> (webhook id, created)."""
    ensure_webhook_secret(account)
    target = webhook_url(account, public_base_url)
    client = client_for(account)
    for hook in client.list_webhooks():
        if hook.get("Url") == target and hook.get("HookType") == EVENT:
            hook_id = int(hook["WebHookID"])
            ShipStationAccount.objects.filter(pk=account.pk).update(webhook_id=hook_id)
            return hook_id, False
    hook_id = client.subscribe_webhook(target, EVENT, FRIENDLY_NAME)
    ShipStationAccount.objects.filter(pk=account.pk).update(webhook_id=hook_id)
    account.webhook_id = hook_id
    return hook_id, True
