"""Mirakl (MMP Seller "shop" API) client: the shop's API key as the bare ``Authorization`` header (no Bearer),
``shop_id`` on every call where the account sets one, pacing per operation at Mirakl's call frequencies, typed
errors (reference/mirakl.md).

- OR11 and STO01 at most once a minute per account, SH21 once a day (its answer is cached a day anyway);
  the other operations get a modest pace of their own.
- 429 -> ThrottledError with Mirakl's ``Retry-After`` (the kernel), else ``default_throttle_wait``.
- 401/403 -> AuthenticationError, written on the account (a key regenerated in the operator's back office)
  until a call succeeds again.

Each operator instance is its own host: the base URL is required (no default host is ever built from a name).
"""

from __future__ import annotations

import logging

import requests

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError, PermanentError
from marketplaces.clients.account_tokens import clear_auth_problem, record_auth_problem

log = logging.getLogger(__name__)

# Calls per minute per account and operation: Mirakl's "call frequency" where it publishes one.
RATES = {
    "OR11": 1.0,  # list orders: recommended every 5 min, at most once a minute
    "STO01": 1.0,  # stock import: at most once a minute
    "SH21": 1.0 / 1440,  # carriers: at most once a day
    "STO02": 12.0,
    "STO03": 12.0,
    "OR21": 60.0,
    "OR23": 60.0,
    "OR24": 60.0,
    "ST01": 30.0,
}
ORDERS_PAGE_MAX = 100  # OR11 ``max`` (unconfirmed: Mirakl's general notes say 100)


def pacing_per_minute(operation: str) -> float:
    return RATES.get(operation, 30.0)


class MiraklStateError(PermanentError):
    """Mirakl refused a shipping call because the order is no longer in the state it needs (already shipped,
    cancelled): the reference says to treat "already shipped" as done."""


NO_BASE_URL = (
    "Mirakl account has no base URL: set the operator instance's URL (https://<operator>.mirakl.net)"
)


def api_base_url(account) -> str:
    """The operator instance's URL; blank until ops set it (every call then fails with NO_BASE_URL)."""
    return (account.api_base_url or "").rstrip("/")


def _message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)[:300]
    return str(data)[:300]


def state_refusal(message: str) -> bool:
    """Mirakl's words for "this order is no longer in SHIPPING" (the ST01 example answer)."""
    text = message.lower()
    return "status must be" in text or "order status" in text or "not in state" in text


class MiraklClient(ApiClient):
    vendor = "mirakl"
    default_throttle_wait = 60.0  # no Retry-After: the once-a-minute operations are free again in a minute

    def __init__(self, account, session: requests.Session | None = None):
        super().__init__(api_base_url(account), session=session)
        self.account = account
        self.creds = account.credentials or {}
        self.shop_id = str((account.options or {}).get("shop_id") or "")

    def auth_headers(self) -> dict[str, str]:
        key = self.creds.get("api_key") or ""
        if not key:
            message = "Mirakl account has no api_key: generate one in the operator's back office and store it"
            record_auth_problem(self.account, message)
            raise AuthenticationError(message, vendor=self.vendor)
        return {"Authorization": key}

    def call(self, operation: str, method: str, path: str, **kwargs) -> requests.Response:
        if not self.account.api_base_url:
            raise PermanentError(NO_BASE_URL, vendor=self.vendor)
        self.rate_key = f"mirakl:{self.account.pk}:{operation}"
        self.per_minute = pacing_per_minute(operation)
        self.burst = 1
        if self.shop_id:
            kwargs["params"] = {**(kwargs.get("params") or {}), "shop_id": self.shop_id}
        try:
            response = self.request(method, path, **kwargs)
        except AuthenticationError as exc:
            if exc.status in (401, 403):
                record_auth_problem(
                    self.account, "Mirakl refused the API key: generate a new one and store it"
                )
            raise
        if self.account.auth_problem:
            clear_auth_problem(self.account)
        return response

    def check(self, response, method, path, expected):
        if response.status_code in (400, 409) and path.rstrip("/").endswith(("/tracking", "/ship")):
            message = _message(response)
            if state_refusal(message):
                raise MiraklStateError(f"{method} {path}: {message}", vendor=self.vendor, status=400)
        if response.status_code == 400:
            raise PermanentError(
                f"{method} {path} rejected: {_message(response)}", vendor=self.vendor, status=400
            )
        super().check(response, method, path, expected)

    # --- operations -------------------------------------------------------------------------------------
    def list_orders(self, params: dict) -> dict:
        """OR11."""
        return self.call("OR11", "GET", "/api/orders", params=params).json()

    def accept_order(self, order_id: str, decisions: list[tuple[str, bool]]) -> None:
        """OR21: a decision for every line of the order."""
        body = {"order_lines": [{"id": line_id, "accepted": bool(ok)} for line_id, ok in decisions]}
        self.call("OR21", "PUT", f"/api/orders/{order_id}/accept", json=body, expected=(200, 204))

    def set_tracking(self, order_id: str, body: dict) -> None:
        """OR23."""
        self.call("OR23", "PUT", f"/api/orders/{order_id}/tracking", json=body, expected=(200, 204))

    def ship(self, order_id: str) -> None:
        """OR24."""
        self.call("OR24", "PUT", f"/api/orders/{order_id}/ship", expected=(200, 204))

    def create_shipments(self, shipments: list[dict]) -> dict:
        """ST01 (multi-shipment operators only)."""
        return self.call(
            "ST01", "POST", "/api/shipments", json={"shipments": shipments}, expected=(200, 201)
        ).json()

    def carriers(self) -> dict:
        """SH21."""
        return self.call("SH21", "GET", "/api/shipping/carriers").json()

    def import_stock(self, csv_text: str) -> dict:
        """STO01: the semicolon CSV as the multipart field ``file``."""
        files = {"file": ("stock.csv", csv_text.encode("utf-8"), "text/csv")}
        return self.call(
            "STO01", "POST", "/api/offers/stock/imports", files=files, expected=(200, 201)
        ).json()

    def stock_import_status(self, import_id: str) -> dict:
        """STO02."""
        return self.call("STO02", "GET", f"/api/offers/stock/imports/{import_id}/status").json()

    def stock_import_error_report(self, import_id: str) -> str:
        """STO03: the CSV of the lines Mirakl rejected."""
        return self.call("STO03", "GET", f"/api/offers/stock/imports/{import_id}/error_report").text
