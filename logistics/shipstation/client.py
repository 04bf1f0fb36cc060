"""ShipStation V1 API client: HTTP Basic (key + secret), one shared budget per key (40/min by default):
never more than that in any rolling minute across processes, tightened by the ``X-Rate-Limit-Remaining`` /
``X-Rate-Limit-Reset`` of every answer (other callers of the key count too); 429 -> wait
``X-Rate-Limit-Reset`` seconds (a throttle, not a retry)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import requests
from django.conf import settings

from integration_server.http import pacing
from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError

MAX_ORDERS_PER_CALL = 100
API_HOSTS = ("ssapi.shipstation.com",)  # base-URL overrides (integration_server.vendor_hosts)
PAGE_SIZE = 100
RATE_WINDOW_SECONDS = 60.0


class ShipStationClient(ApiClient):
    vendor = "shipstation"
    default_throttle_wait = 60.0

    def __init__(self, account, session: requests.Session | None = None):
        super().__init__(
            account.base_url,
            rate_key=f"shipstation:{account.pk}",
            per_minute=account.requests_per_minute or 40,
            window_seconds=RATE_WINDOW_SECONDS,  # no burst on top of the rate
            session=session,
        )
        self.account = account

    def auth_headers(self) -> dict[str, str]:
        if not self.account.api_key or not self.account.api_secret:
            raise AuthenticationError("ShipStation account has no API key/secret", vendor=self.vendor)
        token = base64.b64encode(f"{self.account.api_key}:{self.account.api_secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def throttle_wait(self, response: requests.Response) -> float:
        reset = response.headers.get("X-Rate-Limit-Reset")
        try:
            return max(float(reset), 1.0) if reset is not None else self.default_throttle_wait
        except ValueError:
            return self.default_throttle_wait

    def check(self, response: requests.Response, method: str, path: str, expected: tuple[int, ...]) -> None:
        self.observe_rate_headers(response)
        super().check(response, method, path, expected)

    def observe_rate_headers(self, response: requests.Response) -> None:
        if not self.rate_key or not settings.HTTP_PACING_ENABLED:
            return
        try:
            remaining = int(response.headers["X-Rate-Limit-Remaining"])
            reset = float(response.headers["X-Rate-Limit-Reset"])
            limit = int(response.headers.get("X-Rate-Limit-Limit") or self.per_minute)
        except (KeyError, TypeError, ValueError):
            return
        limit = min(limit, int(self.per_minute or limit))
        pacing.observe_remaining(
            self.rate_key,
            limit=limit,
            remaining=remaining,
            reset_seconds=reset,
            window_seconds=RATE_WINDOW_SECONDS,
        )

    # --- orders -------------------------------------------------------------------------------------------
    def create_orders(self, orders: list[dict]) -> dict:
        if len(orders) > MAX_ORDERS_PER_CALL:
            raise ValueError(f"at most {MAX_ORDERS_PER_CALL} orders per createorders call")
        return self.post_json("/orders/createorders", orders).json()

    def get_order(self, order_id: int) -> dict:
        return self.get_json(f"/orders/{int(order_id)}")

    def find_order(self, order_key: str, order_number: str, store_id: int | None = None) -> dict | None:
        """The order ShipStation holds under ``order_key`` (V1 lists by orderNumber, not by key: the key
        picks the one among orders of that number), or None."""
        params = {"orderNumber": order_number}
        if store_id is not None:
            params["storeId"] = store_id
        for batch in self.iter_pages("/orders", "orders", params):
            for order in batch:
                if order.get("orderKey") == order_key:
                    return order
        return None

    # --- shipments and fulfillments ---------------------------------------------------------------------
    def get_resource(self, url: str) -> dict:
        return self.get_json(url)

    def iter_pages(self, path: str, key: str, params: dict, start_page: int = 1) -> Iterator[list[dict]]:
        page = start_page
        while True:
            data = self.get_json(path, params={**params, "page": page, "pageSize": PAGE_SIZE})
            yield data.get(key) or []
            if page >= int(data.get("pages") or 1):
                return
            page += 1

    def list_shipments(self, start_page: int = 1, **params) -> Iterator[list[dict]]:
        return self.iter_pages(
            "/shipments", "shipments", {"includeShipmentItems": "true", **params}, start_page
        )

    def list_fulfillments(self, start_page: int = 1, **params) -> Iterator[list[dict]]:
        return self.iter_pages("/fulfillments", "fulfillments", params, start_page)

    # --- account ------------------------------------------------------------------------------------------
    def list_stores(self) -> list[dict]:
        return self.get_json("/stores")

    def list_carriers(self) -> list[dict]:
        return self.get_json("/carriers")

    def subscribe_webhook(self, target_url: str, event: str, friendly_name: str, store_id=None) -> int:
        body = {
            "target_url": target_url,
            "event": event,
            "store_id": store_id,
            "friendly_name": friendly_name,
        }
        return int(self.post_json("/webhooks/subscribe", body).json()["id"])

    def list_webhooks(self) -> list[dict]:
        data = self.get_json("/webhooks")
        return data.get("webhooks", []) if isinstance(data, dict) else data

    def unsubscribe_webhook(self, webhook_id: int) -> None:
        self.request("DELETE", f"/webhooks/{webhook_id}")
