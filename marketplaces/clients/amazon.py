"""Amazon Selling Partner API client: Login-with-Amazon token refresh (cached until shortly before expiry),
per-operation pacing at the documented rates (adjusted by ``x-amzn-RateLimit-Limit``), 429 -> ThrottledError.

No request signing (SigV4 is not required since 2023-10-02). Hosts: by region and sandbox switch, or the
account's base URL override (a simulator).
"""

from __future__ import annotations

import hashlib
import logging
import time

import requests
from django.core.cache import cache

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError, PermanentError, RetryableError

log = logging.getLogger(__name__)

HOSTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
SANDBOX_HOSTS = {k: v.replace("https://", "https://sandbox.") for k, v in HOSTS.items()}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
# Hosts an account's base-URL overrides may name (integration_server.vendor_hosts).
API_HOSTS = tuple(url.removeprefix("https://") for url in (*HOSTS.values(), *SANDBOX_HOSTS.values()))
AUTH_HOSTS = ("api.amazon.com", "api.amazon.co.uk", "api.amazon.co.jp")
TOKEN_EARLY_REFRESH_SECONDS = 300
USER_AGENT = "integration-server/0.1 (Language=Python)"

# Documented default rates: (requests per second, burst).
RATES = {
    "searchOrders": (0.0056, 20),
    "confirmShipment": (2.0, 10),
    "patchListingsItem": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
}


def api_base_url(account) -> str:
    if account.api_base_url:
        return account.api_base_url
    region = (account.options or {}).get("region", "na").lower()
    return (SANDBOX_HOSTS if account.sandbox else HOSTS)[region]


def token_url(account) -> str:
    if account.auth_base_url:
        return account.auth_base_url.rstrip("/") + "/auth/o2/token"
    return LWA_TOKEN_URL


class AmazonClient(ApiClient):
    vendor = "amazon"

    def __init__(self, account, session: requests.Session | None = None):
        super().__init__(api_base_url(account), session=session)
        self.account = account
        self.creds = account.credentials or {}
        self._rates: dict[str, float] = {}
        self._operation = ""
        self._token_from_cache = False

    # --- Login with Amazon ----------------------------------------------------------------------------
    def _token_cache_key(self) -> str:
        digest = hashlib.sha256(
            f"{self.creds.get('client_id')}:{self.creds.get('refresh_token')}".encode()
        ).hexdigest()[:24]
        return f"amazon:lwa:{self.account.pk}:{digest}"

    def access_token(self) -> str:
        key = self._token_cache_key()
        cached = cache.get(key)
        self._token_from_cache = bool(cached)
        if cached:
            return cached
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not self.creds.get(k)]
        if missing:
            raise AuthenticationError(f"account lacks {', '.join(missing)}", vendor=self.vendor)
        url = token_url(self.account)
        try:
            resp = self.session.post(
                url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.creds["refresh_token"],
                    "client_id": self.creds["client_id"],
                    "client_secret": self.creds["client_secret"],
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RetryableError(
                f"LWA token refresh failed: {type(exc).__name__}", vendor=self.vendor
            ) from exc
        log.info("http.call", extra={"vendor": "amazon-lwa", "method": "POST", "status": resp.status_code})
        if resp.status_code in (400, 401, 403):
            raise AuthenticationError(
                "LWA refused the refresh token", vendor=self.vendor, status=resp.status_code
            )
        if resp.status_code >= 300:
            raise RetryableError("LWA token refresh failed", vendor=self.vendor, status=resp.status_code)
        data = resp.json()
        token = data["access_token"]
        ttl = int(data.get("expires_in", 3600)) - TOKEN_EARLY_REFRESH_SECONDS
        if ttl > 0:
            cache.set(key, token, ttl)
        return token

    def on_authentication_failed(self) -> bool:
        """A 401/403 on a cached token (expired early, revoked): drop it; the kernel refreshes once and
        retries once in the same attempt. On a token fetched for this very call the refusal stands."""
        cache.delete(self._token_cache_key())
        return self._token_from_cache

    def auth_headers(self) -> dict[str, str]:
        return {"x-amz-access-token": self.access_token(), "user-agent": USER_AGENT}

    # --- pacing per operation ---------------------------------------------------------------------------
    def call(self, operation: str, method: str, path: str, **kwargs) -> requests.Response:
        rate, burst = RATES.get(operation, (1.0, 1))
        rate = self._rates.get(operation) or cache.get(self._rate_cache_key(operation)) or rate
        self._operation = operation
        self.rate_key = f"amazon:{self.account.pk}:{operation}"
        self.per_minute = rate * 60
        self.burst = burst
        response = self.request(method, path, **kwargs)
        self._note_rate(operation, response)
        return response

    def _note_rate(self, operation: str, response: requests.Response) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if limit:
            try:
                value = float(limit)
            except ValueError:
                return
            if value > 0 and self._rates.get(operation) != value:
                self._rates[operation] = value
                # every process paces by the announced rate from its first call (the shared bucket is
                # re-based to it, see pacing.reserve)
                cache.set(self._rate_cache_key(operation), value, 3600)

    def _rate_cache_key(self, operation: str) -> str:
        return f"amazon:rate:{self.account.pk}:{operation}"

    def throttle_wait(self, response: requests.Response) -> float:
        """No Retry-After on SP-API 429s: wait one token's time at the applied (or documented) rate."""
        self._note_rate(self._operation, response)
        rate = self._rates.get(self._operation) or RATES.get(self._operation, (1.0, 1))[0]
        return min(max(1.0 / rate, 1.0), 600.0)

    def check(self, response, method, path, expected):
        request_id = response.headers.get("x-amzn-RequestId")
        if response.status_code >= 400 and request_id:
            log.warning("amazon.error", extra={"operation": self._operation, "amzn_request_id": request_id})
        super().check(response, method, path, expected)

    # --- operations ---------------------------------------------------------------------------------------
    def search_orders(self, params: dict) -> dict:
        return self.call("searchOrders", "GET", "/orders/2026-01-01/orders", params=params).json()

    def confirm_shipment(self, order_id: str, body: dict) -> None:
        self.call(
            "confirmShipment",
            "POST",
            f"/orders/v0/orders/{order_id}/shipmentConfirmation",
            json=body,
            expected=(200, 204),
        )

    def patch_listings_item(self, seller_id: str, sku: str, marketplace_ids: list[str], body: dict) -> dict:
        from urllib.parse import quote

        return self.call(
            "patchListingsItem",
            "PATCH",
            f"/listings/2021-08-01/items/{quote(seller_id, safe='')}/{quote(sku, safe='')}",
            params={"marketplaceIds": ",".join(marketplace_ids)},
            json=body,
        ).json()

    def create_feed_document(self, content_type: str) -> dict:
        return self.call(
            "createFeedDocument", "POST", "/feeds/2021-06-30/documents", json={"contentType": content_type}
        ).json()

    def upload_feed_document(self, url: str, content: bytes, content_type: str) -> None:
        """The upload goes to a pre-signed URL: no SP-API headers, no pacing."""
        try:
            resp = self.session.put(
                url, data=content, headers={"Content-Type": content_type}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise RetryableError(f"feed upload failed: {type(exc).__name__}", vendor=self.vendor) from exc
        if resp.status_code >= 500:
            raise RetryableError("feed upload failed", vendor=self.vendor, status=resp.status_code)
        if resp.status_code >= 300:
            raise PermanentError("feed upload refused", vendor=self.vendor, status=resp.status_code)

    def create_feed(self, feed_type: str, marketplace_ids: list[str], document_id: str) -> str:
        data = self.call(
            "createFeed",
            "POST",
            "/feeds/2021-06-30/feeds",
            json={
                "feedType": feed_type,
                "marketplaceIds": marketplace_ids,
                "inputFeedDocumentId": document_id,
            },
            expected=(200, 202),
        ).json()
        return str(data["feedId"])

    def get_feed(self, feed_id: str) -> dict:
        return self.call("getFeed", "GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()

    def get_feed_document(self, document_id: str) -> dict:
        """The document's metadata, then its content from the pre-signed URL (parsed JSON)."""
        meta = self.call("getFeedDocument", "GET", f"/feeds/2021-06-30/documents/{document_id}").json()
        try:
            resp = self.session.get(meta["url"], timeout=self.timeout)
        except requests.RequestException as exc:
            raise RetryableError(
                f"feed report download failed: {type(exc).__name__}", vendor=self.vendor
            ) from exc
        if resp.status_code >= 300:
            raise RetryableError("feed report download failed", vendor=self.vendor, status=resp.status_code)
        if meta.get("compressionAlgorithm") == "GZIP":
            import gzip
            import json

            return json.loads(gzip.decompress(resp.content))
        return resp.json()


def sleep(seconds: float) -> None:
    time.sleep(seconds)
