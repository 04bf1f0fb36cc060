"""Rithum (Dsco Platform API v3) client: OAuth 2.0 client credentials (the token, valid about an hour, shared
by every process through the account row: ``marketplaces.clients.account_tokens``), or the legacy static token
where no client id is set; pacing per operation at Rithum's published limits; typed errors. A refused client
id/secret is written on the account (admin, /healthz) until a token is granted again.

- 429 -> ThrottledError (the kernel). 401/403 drop the shared token.
- 400 with ``messages[]`` (``VALIDATION_FAILED``) -> ``RithumValidationError``: a data error, not retried,
  carrying every message Rithum gave (a ``description`` may be a string, an array or an object).
- 404 on a ``scrollId`` page -> ``ScrollExpired``: the scroll is gone (5 minutes unused), start again.

Hosts: production ``https://api.dsco.io/api/v3``, staging by the account's sandbox switch, or the account's
base URL override (a simulator). The token URL is ``<base>/oauth2/token`` (or the auth base URL override).
"""

from __future__ import annotations

import hashlib
import logging

import requests

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError, PermanentError, RetryableError
from marketplaces.clients.account_tokens import (
    clear_auth_problem,
    drop_token,
    record_auth_problem,
    store_token,
    stored_token,
)

log = logging.getLogger(__name__)

PRODUCTION_URL = "https://api.dsco.io/api/v3"
STAGING_URL = "https://staging-api.dsco.io/api/v3"
API_HOSTS = ("api.dsco.io", "staging-api.dsco.io")  # base-URL overrides (integration_server.vendor_hosts)

# Published limits per operation: (requests per second, requests per minute). Inventory batches and the
# change logs have none published: paced at the singleItem rate (reference/rithum.md).
RATES = {
    "getOrders": (10, 500),
    "acknowledgeOrders": (15, 1000),
    "singleShipment": (15, 300),
    "updateInventorySmallBatch": (5, 300),
    "getOrderChangeLog": (5, 300),
    "getInventoryChangeLog": (5, 300),
    "hello": (5, 300),
}


def pacing_per_minute(operation: str) -> float:
    """One slot every 60/min(per_second * 60, per_minute) seconds, burst 1: evenly spaced calls keep both
    limits in every window (10/s and 500/min -> one call per 0.12 s: at most 9 in any second, 500 a minute)."""
    per_second, per_minute = RATES.get(operation, (5, 300))
    return float(min(per_second * 60, per_minute))


def api_base_url(account) -> str:
    if account.api_base_url:
        return account.api_base_url.rstrip("/")
    return STAGING_URL if account.sandbox else PRODUCTION_URL


def token_url(account) -> str:
    base = account.auth_base_url.rstrip("/") if account.auth_base_url else api_base_url(account)
    return base + "/oauth2/token"


def messages_text(data, limit: int = 1500) -> str:
    """Rithum's ``messages[]`` in words: "CODE: description" each, descriptions given as arrays joined."""
    if not isinstance(data, dict):
        return ""
    parts = []
    for message in data.get("messages") or []:
        if not isinstance(message, dict):
            continue
        description = message.get("description")
        if isinstance(description, list):
            description = "; ".join(str(d) for d in description)
        elif isinstance(description, dict):
            description = "; ".join(f"{k}: {v}" for k, v in description.items())
        code = message.get("code") or ""
        text = f"{code}: {description}" if code and description else str(code or description or "")
        if text:
            parts.append(text)
    return " | ".join(parts)[:limit]


class RithumValidationError(PermanentError):
    """Rithum refused the data (400, e.g. VALIDATION_FAILED): ops must fix it; retrying cannot help."""

    def __init__(self, message: str, *, messages: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.messages = messages


class ScrollExpired(PermanentError):
    """The ``scrollId`` page no longer exists (unused for 5 minutes): the search must start again."""


class RithumClient(ApiClient):
    vendor = "rithum"
    default_throttle_wait = 5.0  # no Retry-After documented; the minute budget refills within seconds

    def __init__(self, account, session: requests.Session | None = None):
        super().__init__(api_base_url(account), session=session)
        self.account = account
        self.creds = account.credentials or {}
        self._token: str | None = None

    # --- auth -------------------------------------------------------------------------------------------
    @property
    def uses_static_token(self) -> bool:
        return not (self.creds.get("client_id") and self.creds.get("client_secret"))

    def _token_key(self) -> str:
        parts = (token_url(self.account), self.creds.get("client_id"), self.creds.get("client_secret"))
        digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]
        return f"rithum:client-token:{self.account.pk}:{digest}"

    def access_token(self) -> str:
        if self.uses_static_token:
            token = self.creds.get("api_token") or ""
            if not token:
                message = "account lacks client_id and client_secret (or a static api_token): store them"
                record_auth_problem(self.account, message)
                raise AuthenticationError(message, vendor=self.vendor)
            return token
        if self._token is None:
            key = self._token_key()
            token, _ = stored_token(self.account, key)
            if not token:
                token, expires_in = self._fetch_token()
                store_token(self.account, key, token, expires_in)
            self._token = token
        return self._token

    def _fetch_token(self) -> tuple[str, int]:
        try:
            resp = self.session.post(
                token_url(self.account),
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.creds["client_id"],
                    "client_secret": self.creds["client_secret"],
                },
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RetryableError(f"token request failed: {type(exc).__name__}", vendor=self.vendor) from exc
        log.info("http.call", extra={"vendor": "rithum-oauth", "method": "POST", "status": resp.status_code})
        if resp.status_code in (400, 401, 403):
            message = "Rithum refused the client id/secret: check them (support-dsco@rithum.com issues them)"
            record_auth_problem(self.account, message)
            raise AuthenticationError(message, vendor=self.vendor, status=resp.status_code)
        if resp.status_code >= 300:
            raise RetryableError("token request failed", vendor=self.vendor, status=resp.status_code)
        try:
            data = resp.json()
            token, expires_in = str(data["access_token"]), int(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise RetryableError("token answer unreadable", vendor=self.vendor) from exc
        clear_auth_problem(self.account)
        return token, expires_in

    def on_authentication_failed(self) -> None:
        self._token = None
        if not self.uses_static_token:
            drop_token(self.account)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"bearer {self.access_token()}", "Content-Type": "application/json"}

    # --- calls ----------------------------------------------------------------------------------------
    def call(self, operation: str, method: str, path: str, **kwargs) -> requests.Response:
        self.rate_key = f"rithum:{self.account.pk}:{operation}"
        self.per_minute = pacing_per_minute(operation)
        self.burst = 1
        return self.request(method, path, **kwargs)

    def check(self, response, method, path, expected):
        if response.status_code == 400:
            try:
                data = response.json()
            except ValueError:
                data = None
            text = messages_text(data) or response.reason or "bad request"
            raise RithumValidationError(
                f"{method} {path} rejected: {text}", messages=text, vendor=self.vendor, status=400
            )
        if response.status_code == 404 and path.endswith("/order/page"):
            raise ScrollExpired(
                f"{method} {path}: the scroll expired or does not exist", vendor=self.vendor, status=404
            )
        super().check(response, method, path, expected)

    # --- operations -------------------------------------------------------------------------------------
    def hello(self) -> dict:
        return self.call("hello", "GET", "/hello").json()

    def order_page(self, params: dict) -> dict:
        return self.call("getOrders", "GET", "/order/page", params=params).json()

    def acknowledge(self, ids: list[dict]) -> dict:
        return self.call(
            "acknowledgeOrders", "POST", "/order/acknowledge", json=ids, expected=(200, 202)
        ).json()

    def order_log(self, params: dict) -> dict:
        return self.call("getOrderChangeLog", "GET", "/order/log", params=params).json()

    def single_shipment(self, body: dict) -> None:
        self.call("singleShipment", "POST", "/order/singleShipment", json=body, expected=(200, 201))

    def inventory_batch_small(self, items: list[dict]) -> dict:
        return self.call(
            "updateInventorySmallBatch", "POST", "/inventory/batch/small", json=items, expected=(200, 202)
        ).json()

    def inventory_log(self, params: dict) -> dict:
        return self.call("getInventoryChangeLog", "GET", "/inventory/log", params=params).json()
