"""Zoho Inventory API (read only): OAuth refresh at the organisation's data-centre accounts host with the
access token cached in the database for every process, ``organization_id`` on every call, items paged by
200 (optionally changed since a time), paced to 100 requests/min, 429 waited out, 401 refreshed once."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from inventory import conf
from inventory.models import ZohoConnection

log = logging.getLogger(__name__)

PAGE_SIZE = 200
DEFAULT_API_DOMAIN = "https://www.zohoapis.com"
# Each data centre's hosts: base-URL overrides must name one (integration_server.vendor_hosts).
_DATA_CENTRES = ("com", "eu", "in", "com.au", "jp", "com.cn", "sa")
ACCOUNTS_HOSTS = (*(f"accounts.zoho.{dc}" for dc in _DATA_CENTRES), "accounts.zohocloud.ca")
API_HOSTS = (*(f"www.zohoapis.{dc}" for dc in _DATA_CENTRES), "www.zohoapis.ca")
TOKEN_MARGIN = timedelta(minutes=5)


class ZohoAccountsClient(ApiClient):
    vendor = "zoho-accounts"
    token_limit_wait = 60.0

    def check(self, response, method, path, expected):
        if response.status_code == 400 and "too many requests" in response.text.lower():
            # 10 access tokens per refresh token per 10 minutes: wait, do not fail the account
            raise ThrottledError(
                "token refresh limit reached", wait_seconds=self.token_limit_wait, vendor=self.vendor
            )
        super().check(response, method, path, expected)

    def raise_for_body(self, response):
        data = response.json()
        if "error" in data or "access_token" not in data:
            # Zoho answers 200 {"error": "invalid_code"} for a bad refresh token
            raise AuthenticationError(
                f"token refresh refused: {data.get('error', 'no token')}", vendor=self.vendor
            )


class ZohoClient(ApiClient):
    vendor = "zoho"
    fixed_throttle_wait: float | None = None  # None = until the minute rolls over (Zoho sends no Retry-After)
    max_throttled_retries = 20

    def __init__(self, connection: ZohoConnection | None = None, **kwargs):
        self.connection = connection or ZohoConnection.objects.get(pk=1)
        self._token: str | None = None
        self._token_from_cache = True
        if not self.connection.api_base_url and not self.connection.api_domain:
            self.access_token()  # learns the api_domain of the organisation's data centre
        base = (
            self.connection.api_base_url or f"{self.connection.api_domain or DEFAULT_API_DOMAIN}/inventory/v1"
        )
        super().__init__(
            base,
            rate_key=f"zoho:{self.connection.organization_id}",
            per_minute=conf.ZOHO_REQUESTS_PER_MINUTE,
            burst=1,
            **kwargs,
        )

    # --- auth -------------------------------------------------------------------------------------------
    def access_token(self) -> str:
        self._token_from_cache = True
        if self._token:
            return self._token
        conn = self.connection
        if (
            conn.access_token
            and conn.access_token_expires_at
            and conn.access_token_expires_at > timezone.now() + TOKEN_MARGIN
        ):
            self._token = conn.access_token
            return self._token
        with transaction.atomic():  # one process refreshes; the others wait and reuse its token
            row = ZohoConnection.objects.select_for_update().get(pk=conn.pk)
            if (
                row.access_token
                and row.access_token_expires_at
                and row.access_token_expires_at > timezone.now() + TOKEN_MARGIN
            ):
                token, expires, domain = row.access_token, row.access_token_expires_at, row.api_domain
            else:
                token, expires, domain = self._refresh(row)
                self._token_from_cache = False
                row.access_token, row.access_token_expires_at, row.api_domain = token, expires, domain
                row.save(update_fields=["access_token", "access_token_expires_at", "api_domain"])
        conn.access_token, conn.access_token_expires_at, conn.api_domain = token, expires, domain
        self._token = token
        return token

    def _refresh(self, row: ZohoConnection) -> tuple[str, datetime, str]:
        accounts = ZohoAccountsClient(row.accounts_url, timeout=getattr(self, "timeout", None))
        data = accounts.request(
            "POST",
            "/oauth/v2/token",
            params={
                "refresh_token": row.refresh_token,
                "client_id": row.client_id,
                "client_secret": row.client_secret,
                "grant_type": "refresh_token",
            },
        ).json()
        log.info("zoho.token_refreshed", extra={"organization_id": row.organization_id})
        expires = timezone.now() + timedelta(seconds=int(data.get("expires_in", 3600)))
        return data["access_token"], expires, str(data.get("api_domain") or row.api_domain or "")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Zoho-oauthtoken {self.access_token()}"}

    def on_authentication_failed(self) -> bool:
        """The kernel's rule (ApiClient.request): drop the refused token; a cached one is refreshed once and
        the call retried once, a token refreshed for this very call is not."""
        stale, from_cache = self._token, self._token_from_cache
        self._token = None
        self.connection.access_token = ""
        if stale:
            ZohoConnection.objects.filter(pk=self.connection.pk).update(
                access_token="", access_token_expires_at=None
            )
        return bool(stale) and from_cache

    # --- errors -----------------------------------------------------------------------------------------
    def throttle_wait(self, response) -> float:
        if self.fixed_throttle_wait is not None:
            return self.fixed_throttle_wait
        return 60.0 - (time.time() % 60.0) + 0.5

    def raise_for_body(self, response) -> None:
        try:
            data = response.json()
        except ValueError:
            raise PermanentError(
                "answer is not JSON", vendor=self.vendor, status=response.status_code
            ) from None
        code = data.get("code") if isinstance(data, dict) else None
        if code not in (None, 0):
            raise PermanentError(f"code {code}: {str(data.get('message', ''))[:200]}", vendor=self.vendor)

    # --- the call ---------------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs):
        params = {**kwargs.pop("params", {}), "organization_id": self.connection.organization_id}
        throttled = 0
        while True:  # a refused token is refreshed and the call retried once by ApiClient.request
            try:
                return super().request(method, path, params=params, **kwargs)
            except ThrottledError as exc:
                throttled += 1
                if throttled > self.max_throttled_retries:
                    raise
                log.info("zoho.throttled", extra={"wait_s": round(exc.wait_seconds, 2)})
                time.sleep(exc.wait_seconds)

    def iter_item_pages(self, modified_since: datetime | None = None) -> Iterator[list[dict]]:
        """Every item (or those changed after ``modified_since``), 200 per page, until has_more_page is false."""
        page = 1
        while True:
            params = {"page": page, "per_page": PAGE_SIZE}
            if modified_since is not None:
                params["last_modified_time"] = modified_since.astimezone(UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S+0000"
                )
            data = self.get_json("items", params=params)
            yield data.get("items") or []
            if not (data.get("page_context") or {}).get("has_more_page"):
                return
            page += 1

    def get_item(self, item_id: str) -> dict:
        return self.get_json(f"items/{item_id}").get("item") or {}

    def organizations(self) -> list[dict]:
        return self.get_json("organizations").get("organizations") or []
