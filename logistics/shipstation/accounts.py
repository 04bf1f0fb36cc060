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
