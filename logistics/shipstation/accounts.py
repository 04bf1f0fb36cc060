"""The ShipStation account in use (one per installation) and its API client."""

from __future__ import annotations

from integration_server.http.errors import PermanentError
from logistics.models import ShipStationAccount


def active_account() -> ShipStationAccount | None:
    return ShipStationAccount.objects.filter(enabled=True).order_by("id").first()


def require_account() -> ShipStationAccount:
    account = active_account()
    if account is None:
        raise PermanentError("no enabled ShipStation account is configured", vendor="shipstation")
    return account


def client_for(account: ShipStationAccount | None = None):
    from logistics.shipstation.client import ShipStationClient

    return ShipStationClient(account or require_account())


def shipstation_stores() -> list[tuple[int, str]]:
    """[(storeId, "name (marketplace)")] of the active ShipStation account, read once every 5 minutes."""
    from django.core.cache import cache

    account = require_account()
    key = f"admin:shipstation-stores:{account.pk}:{account.api_base_url}"
    cached = cache.get(key)
    if cached is None:
        stores = client_for(account).list_stores()
        cached = [
            (s["storeId"], f"{s.get('storeName', '')} ({s.get('marketplaceName', '')})".strip())
            for s in stores
            if s.get("active", True)
        ]
        cache.set(key, cached, 300)
    return cached
