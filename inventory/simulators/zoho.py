"""Zoho Inventory simulator (see ../shared/reference/zoho.md): the accounts host's token refresh (10 tokens
per refresh token per 10 minutes), ``GET /inventory/v1/items`` paged by 200 with ``last_modified_time``,
``GET /inventory/v1/items/{id}``, ``GET /inventory/v1/organizations``; ``organization_id`` required, the
``Zoho-oauthtoken`` header checked, 429 past 100 requests/min; and a webhook sender that posts an item's
default payload to our endpoint like a workflow rule would."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

import requests

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route

API = "/inventory/v1"


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ZohoSimulator(Simulator):
    name = "zoho"

    def __init__(
        self,
        *,
        organization_id: str = "60000000001",
        client_id: str = "1000.SIMCLIENT",
        client_secret: str = "sim-client-secret",  # noqa: S107 - the simulator's own test value
        refresh_token: str = "1000.sim-refresh-token",  # noqa: S107
        rate_limit: int = 100,
        rate_window: float = 60.0,
        token_limit: int = 10,
        token_window: float = 600.0,
    ):
        super().__init__()
        self.organization_id = organization_id
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.limiter = FixedWindowLimiter(rate_limit, rate_window)
        self.token_limiter = FixedWindowLimiter(token_limit, token_window)
        self.tokens: set[str] = set()
        self.items: dict[str, dict] = {}  # item_id -> record
        self.by_sku: dict[str, str] = {}
        self._next_id = 4815000000000
        self._sorted: list[str] | None = None
        self._items_lock = threading.RLock()

    # --- state helpers for tests, benchmarks and run_simulators ------------------------------------------
    def add_item(self, sku: str, stock: int, *, modified_at: datetime | None = None, **extra) -> dict:
        with self._items_lock:
            self._next_id += 1
            item_id = str(self._next_id)
            record = {"item_id": item_id, "name": f"Item {sku}", "sku": sku, "status": "active", **extra}
            self.items[item_id] = record
            self.by_sku[sku] = item_id
            self._sorted = None
            self._set_stock_fields(record, stock, modified_at or datetime.now(UTC))
            return record

    def add_items(self, count: int, stock=lambda i: 10 + i % 50, prefix: str = "SKU-") -> None:
        when = datetime.now(UTC) - timedelta(hours=1)
        for i in range(count):
            self.add_item(f"{prefix}{i:06d}", stock(i), modified_at=when)

    def set_stock(self, sku: str, stock: int) -> dict:
        """Change an item's stock like a Zoho user would: its last_modified_time moves forward."""
        with self._items_lock:
            record = self.items[self.by_sku[sku]]
            previous = datetime.fromisoformat(record["last_modified_time"])
            self._set_stock_fields(record, stock, max(datetime.now(UTC), previous + timedelta(seconds=1)))
            return record

    @staticmethod
    def _set_stock_fields(record: dict, stock: int, when: datetime) -> None:
        record.update(
            stock_on_hand=stock,
            available_stock=stock,
            actual_available_stock=stock,
            available_for_sale_stock=stock,
            actual_available_for_sale_stock=stock,
            committed_stock=0,
            actual_committed_stock=0,
            quantity_in_transit=0,
            last_modified_time=_fmt(when),
        )

    def item_by_sku(self, sku: str) -> dict:
        return self.items[self.by_sku[sku]]

    def send_item_webhook(self, url: str, sku: str, *, body: dict | None = None, headers: dict | None = None):
        """POST the item's default payload to ``url`` (a workflow rule's webhook)."""
        payload = body if body is not None else {"item": dict(self.item_by_sku(sku))}
        return requests.post(url, json=payload, headers=headers or {}, timeout=10)

    # --- accounts host ---------------------------------------------------------------------------------
    @route("POST", r"/oauth/v2/token")
    def token(self, request: SimRequest):
        args = {k: request.arg(k) for k in ("refresh_token", "client_id", "client_secret", "grant_type")}
        if (
            args["grant_type"] != "refresh_token"
            or args["client_id"] != self.client_id
            or (args["client_secret"] != self.client_secret)
        ):
            return json_response(200, {"error": "invalid_client"})
        if args["refresh_token"] != self.refresh_token:
            return json_response(200, {"error": "invalid_code"})
        if self.token_limiter.hit(self.refresh_token) is not None:
            return json_response(
                400,
                {
                    "error_description": "You have made too many requests continuously. "
                    "Please try again after some time.",
                    "error": "Access Denied",
                    "status": "failure",
                },
            )
        token = "1000." + secrets.token_hex(16)
        with self.lock:
            self.tokens.add(token)
        return json_response(
            200,
            {"access_token": token, "api_domain": self.base_url, "token_type": "Bearer", "expires_in": 3600},
        )

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- API -------------------------------------------------------------------------------------------
    def _guard(self, request: SimRequest):
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Zoho-oauthtoken ") or auth.split(" ", 1)[1] not in self.tokens:
            return json_response(
                401, {"code": 57, "message": "You are not authorized to perform this operation"}
            )
        org = request.arg("organization_id")
        if not org:
            return json_response(400, {"code": 6041, "message": "organization_id is required"})
        if org != self.organization_id:
            return json_response(400, {"code": 2, "message": "Invalid value passed for organization_id"})
        if self.limiter.hit(org) is not None:
            return json_response(
                429,
                {"code": 44, "message": "You have exceeded the maximum number of API requests per minute."},
            )
        return None

    @route("GET", API + r"/organizations")
    def organizations(self, request: SimRequest):
        auth = request.headers.get("authorization", "")
        if auth.split(" ", 1)[-1] not in self.tokens:
            return json_response(
                401, {"code": 57, "message": "You are not authorized to perform this operation"}
            )
        return json_response(
            200,
            {
                "code": 0,
                "message": "success",
                "organizations": [{"organization_id": self.organization_id, "name": "Sim"}],
            },
        )

    @route("GET", API + r"/items")
    def list_items(self, request: SimRequest):
        refused = self._guard(request)
        if refused:
            return refused
        try:
            page = int(request.arg("page", "1"))
            per_page = min(int(request.arg("per_page", "200")), 200)
        except ValueError:
            return json_response(400, {"code": 2, "message": "Invalid value passed for page"})
        if page < 1 or per_page < 1:
            return json_response(400, {"code": 2, "message": "Invalid value passed for page"})
        since_raw = request.arg("last_modified_time")
        with self._items_lock:
            if self._sorted is None:
                self._sorted = sorted(self.items)
            ids = self._sorted
            if since_raw:
                try:
                    since = datetime.fromisoformat(since_raw)
                except ValueError:
                    return json_response(
                        400, {"code": 2, "message": "Invalid value passed for last_modified_time"}
                    )
                ids = [i for i in ids if datetime.fromisoformat(self.items[i]["last_modified_time"]) > since]
            start = (page - 1) * per_page
            chosen = [dict(self.items[i]) for i in ids[start : start + per_page]]
            more = start + per_page < len(ids)
        return json_response(
            200,
            {
                "code": 0,
                "message": "success",
                "items": chosen,
                "page_context": {"page": page, "per_page": per_page, "has_more_page": more},
            },
        )

    @route("GET", API + r"/items/(\d+)")
    def get_item(self, request: SimRequest, item_id: str):
        refused = self._guard(request)
        if refused:
            return refused
        record = self.items.get(item_id)
        if record is None:
            return json_response(404, {"code": 1002, "message": "Item does not exist."})
        return json_response(200, {"code": 0, "message": "success", "item": dict(record)})


def make_demo_simulator() -> ZohoSimulator:
    sim = ZohoSimulator()
    sim.add_items(50)
    return sim
