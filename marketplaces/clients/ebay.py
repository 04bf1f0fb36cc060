"""eBay client: OAuth user token from the refresh token (cached in the process and shared by every process
through the account row, encrypted), the Trading API (XML over ``requests``, ``X-EBAY-API-*`` headers, the user token in
``X-EBAY-API-IAF-TOKEN``) and the REST Inventory API (``Authorization: Bearer``).

Errors become the kernel's typed errors:
- ``Ack`` Failure/PartialFailure -> ``PermanentError`` (RequestError) or ``RetryableError`` (SystemError); calls
  whose errors are per SKU (ReviseInventoryStatus) get the answer back instead (``item_errors=True``);
- an invalid token (931 and kin; REST 401) -> the cached token is dropped, a fresh one fetched and the call
  made once more; refused again -> ``EbayTokenRefused``, written on the account for ops (admin, /healthz);
- the refresh token refused by the token endpoint -> ``EbayTokenRefused`` at once (no retry can fix it);
- over quota (518; REST 429) -> ``ThrottledError`` (waits, no retry spent).

Hosts: production or sandbox by the account's sandbox switch; ``api_base_url`` (Trading and REST) and
``auth_base_url`` (token endpoint) override them (a simulator).
"""

from __future__ import annotations

import base64
import hashlib
import logging

import requests
from django.core.cache import cache
from django.utils import timezone

from integration_server.http import pacing
from integration_server.http.client import ApiClient
from integration_server.http.errors import (
    AuthenticationError,
    PermanentError,
    RetryableError,
    ThrottledError,
)
from marketplaces import conf
from marketplaces.clients.account_tokens import (
    clear_auth_problem,
    drop_token,
    record_auth_problem,
    store_token,
    stored_token,
)
from marketplaces.clients.ebay_xml import (
    TradingError,
    UnsafeXmlError,
    build_request,
    parse_xml,
    response_root,
    trading_errors,
)

log = logging.getLogger(__name__)

HOST = "https://api.ebay.com"
SANDBOX_HOST = "https://api.sandbox.ebay.com"
API_HOSTS = ("api.ebay.com", "api.sandbox.ebay.com")  # base-URL overrides (integration_server.vendor_hosts)
TOKEN_PATH = "/identity/v1/oauth2/token"
TRADING_PATH = "/ws/api.dll"
BULK_QUANTITY_PATH = "/sell/inventory/v1/bulk_update_price_quantity"
USER_RATE_LIMIT_PATH = "/developer/analytics/v1_beta/user_rate_limit/"
DEFAULT_SCOPES = (
    "https://api.ebay.com/oauth/api_scope "
    "https://api.ebay.com/oauth/api_scope/sell.inventory "
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
)
TOKEN_EARLY_REFRESH_SECONDS = 300
# Trading error codes that mean "the user token is not valid" (931 invalid, 932 hard-expired, 16110/16112
# token expired / revoked, 17470 login again). Only 931 is pinned by a captured answer.
TOKEN_ERROR_CODES = {"931", "932", "16110", "16112", "17470"}
# Over the call quota (unconfirmed by a capture: the reference asks to treat it as throttled).
QUOTA_ERROR_CODES = {"518"}
MAX_CALLS_PER_MINUTE = 600  # a floor against runaway loops; eBay's quotas are daily


class EbayTokenRefused(AuthenticationError):
    """eBay refused the refresh token or the user token twice: ops must act (new consent, new token)."""


def api_base_url(account) -> str:
    return account.api_base_url or (SANDBOX_HOST if account.sandbox else HOST)


def token_url(account) -> str:
    return (account.auth_base_url or api_base_url(account)).rstrip("/") + TOKEN_PATH


class EbayClient(ApiClient):
    vendor = "ebay"

    def __init__(self, account, session: requests.Session | None = None):
        super().__init__(
            api_base_url(account),
            rate_key=f"ebay:{account.pk}",
            per_minute=MAX_CALLS_PER_MINUTE,
            burst=20,
            session=session,
        )
        self.account = account
        self.creds = account.credentials or {}
        self.options = account.options or {}
        self._lenient_statuses: tuple[int, ...] = ()
        self.token_refreshes = 0  # tests and the connection check read it
        self._token_from_cache = False
        self._trading_call = False

    # --- OAuth ------------------------------------------------------------------------------------------
    def _token_cache_key(self) -> str:
        digest = hashlib.sha256(
            f"{self.creds.get('client_id')}:{self.creds.get('refresh_token')}".encode()
        ).hexdigest()[:24]
        return f"ebay:user-token:{self.account.pk}:{digest}"

    def drop_token(self) -> None:
        cache.delete(self._token_cache_key())
        drop_token(self.account)

    def _shared_token(self, key: str) -> str:
        """The token another process stored on the account (encrypted), while valid for these credentials."""
        token, ttl = stored_token(self.account, key)
        if token:
            cache.set(key, token, ttl)
        return token

    def _share_token(self, key: str, token: str, expires_in: int) -> None:
        store_token(self.account, key, token, expires_in)

    def access_token(self) -> str:
        """The user token: this process's cache, else the one shared on the account row, else a refresh."""
        key = self._token_cache_key()
        cached = cache.get(key) or self._shared_token(key)
        self._token_from_cache = bool(cached)
        if cached:
            return cached
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not self.creds.get(k)]
        if missing:
            message = f"account lacks {', '.join(missing)}: store them in the admin"
            record_auth_problem(self.account, message)
            raise EbayTokenRefused(message, vendor=self.vendor)
        basic = base64.b64encode(f"{self.creds['client_id']}:{self.creds['client_secret']}".encode()).decode()
        try:
            resp = self.session.post(
                token_url(self.account),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.creds["refresh_token"],
                    "scope": self.options.get("scopes") or DEFAULT_SCOPES,
                },
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RetryableError(
                f"eBay token refresh failed: {type(exc).__name__}", vendor=self.vendor
            ) from exc
        log.info("http.call", extra={"vendor": "ebay-oauth", "method": "POST", "status": resp.status_code})
        self.token_refreshes += 1
        if resp.status_code in (400, 401, 403):
            error = _json_field(resp, "error") or f"HTTP {resp.status_code}"
            if error == "invalid_client":
                message = "eBay refused the client id/secret (invalid_client): check the application keys"
            else:
                message = (
                    f"eBay refused the refresh token ({error}): the seller must grant consent again and ops "
                    "must store the new refresh token on this account"
                )
            record_auth_problem(self.account, message)
            raise EbayTokenRefused(message, vendor=self.vendor, status=resp.status_code)
        if resp.status_code == 429:
            raise ThrottledError("eBay token endpoint throttled", wait_seconds=60, vendor=self.vendor)
        if resp.status_code >= 300:
            raise RetryableError("eBay token refresh failed", vendor=self.vendor, status=resp.status_code)
        data = resp.json()
        token = data["access_token"]
        expires_in = int(data.get("expires_in", 7200))
        self._keep_new_refresh_token(data)
        clear_auth_problem(self.account)
        key = self._token_cache_key()  # after a rotation: the key of the new refresh token
        if expires_in - TOKEN_EARLY_REFRESH_SECONDS > 0:
            cache.set(key, token, expires_in - TOKEN_EARLY_REFRESH_SECONDS)
            self._share_token(key, token, expires_in)
        return token

    def _keep_new_refresh_token(self, data: dict) -> None:
        """A refresh answer may carry a new refresh token; ``"N/A"`` (or none) keeps the stored one."""
        new = data.get("refresh_token")
        if not new or new == "N/A" or new == self.creds.get("refresh_token"):
            return
        from marketplaces.models import MarketplaceAccount

        account = MarketplaceAccount.objects.get(pk=self.account.pk)
        account.credentials = {**(account.credentials or {}), "refresh_token": new}
        account.refresh_token_issued_at = timezone.now()
        account.save(update_fields=["credentials", "refresh_token_issued_at"])
        self.account.credentials, self.creds = account.credentials, account.credentials
        self.account.refresh_token_issued_at = account.refresh_token_issued_at
        log.info("ebay.refresh_token_rotated", extra={"account_id": self.account.pk})

    def on_authentication_failed(self) -> bool:
        """HTTP 401/403: the kernel's rule (ApiClient.request): the token is dropped; a cached one is
        refreshed once and the call retried once, a token fetched for this very call is not."""
        self.drop_token()
        return self._token_from_cache

    def auth_headers(self) -> dict[str, str]:
        """The user token, in the header of the API family called: Trading's IAF header or REST's Bearer."""
        token = self.access_token()
        if self._trading_call:
            return {"X-EBAY-API-IAF-TOKEN": token}
        return {"Authorization": f"Bearer {token}"}

    # --- error handling ---------------------------------------------------------------------------------
    def check(self, response, method, path, expected):
        if response.status_code in self._lenient_statuses:
            return  # the caller reads per-item results from the body (bulkUpdatePriceQuantity 400/207)
        super().check(response, method, path, expected)

    def throttle_wait(self, response) -> float:
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            try:
                return float(retry_after)
            except ValueError:
                pass
        return float(conf.EBAY_QUOTA_WAIT_SECONDS)

    def _throttled(self, what: str) -> ThrottledError:
        wait = float(conf.EBAY_QUOTA_WAIT_SECONDS)
        if self.rate_key:
            pacing.push_back(self.rate_key, wait)
        return ThrottledError(f"{what}: over the eBay call quota", wait_seconds=wait, vendor=self.vendor)

    # --- Trading ----------------------------------------------------------------------------------------
    def trading(self, call_name: str, fields: list, *, item_errors: bool = False):
        """Make one Trading call; returns the ``{call}Response`` element. Token errors: one fresh token and
        one retry. With ``item_errors`` a Failure whose errors each name a SKU is returned for the caller."""
        body = build_request(call_name, fields)
        for attempt in (1, 2):
            headers = {
                "X-EBAY-API-CALL-NAME": call_name,
                "X-EBAY-API-SITEID": str(self.options.get("site_id", 0)),
                "X-EBAY-API-COMPATIBILITY-LEVEL": str(
                    self.options.get("compatibility_level") or conf.EBAY_COMPATIBILITY_LEVEL
                ),
                "Content-Type": "text/xml; charset=utf-8",
                "Accept": "text/xml",
            }
            self._trading_call = True  # the token goes in X-EBAY-API-IAF-TOKEN (auth_headers)
            try:
                resp = self.request("POST", TRADING_PATH, data=body, headers=headers)
            finally:
                self._trading_call = False
            try:
                root = response_root(parse_xml(resp.content), call_name)
            except UnsafeXmlError as exc:
                raise PermanentError(f"{call_name}: {exc}", vendor=self.vendor) from exc
            except ValueError as exc:
                raise RetryableError(f"{call_name}: unreadable answer ({exc})", vendor=self.vendor) from exc
            every = trading_errors(root)
            errors = [e for e in every if e.severity != "Warning"]
            log.info(
                "ebay.trading",
                extra={
                    "call": call_name,
                    "ack": (root.findtext("Ack") or "").strip(),
                    "error_codes": [e.code for e in every][:10],
                },
            )
            if any(e.code in TOKEN_ERROR_CODES for e in errors):
                self.drop_token()
                if attempt == 1:
                    log.info("ebay.token_refused_retrying", extra={"call": call_name})
                    continue
                message = (
                    f"eBay refused a fresh user token for {call_name} "
                    f"({'; '.join(e.describe() for e in errors)}): check the account's consent and scopes"
                )
                record_auth_problem(self.account, message)
                raise EbayTokenRefused(message, vendor=self.vendor)
            if any(e.code in QUOTA_ERROR_CODES for e in errors):
                raise self._throttled(call_name)
            ack = (root.findtext("Ack") or "").strip()
            if ack in ("Success", "Warning") or not errors:
                return root
            if item_errors and all(e.sku for e in errors):
                return root
            raise trading_failure(call_name, errors)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_orders(self, mod_from: str, mod_to: str, page: int, per_page: int):
        return self.trading(
            "GetOrders",
            [
                ("DetailLevel", "ReturnAll"),
                ("ModTimeFrom", mod_from),
                ("ModTimeTo", mod_to),
                ("OrderRole", "Seller"),
                ("OrderStatus", "All"),
                ("Pagination", [("EntriesPerPage", per_page), ("PageNumber", page)]),
            ],
        )

    def complete_sale(self, fields: list):
        return self.trading("CompleteSale", [("WarningLevel", "High"), *fields])

    def revise_inventory_status(self, statuses: list[tuple[str, int]]):
        return self.trading(
            "ReviseInventoryStatus",
            [("InventoryStatus", [("SKU", sku), ("Quantity", qty)]) for sku, qty in statuses],
            item_errors=True,
        )

    def official_time(self):
        return self.trading("GeteBayOfficialTime", [])

    # --- REST -------------------------------------------------------------------------------------------
    def rest(self, method: str, path: str, *, lenient: tuple[int, ...] = (), **kwargs) -> requests.Response:
        """A REST call with the user token. A refused token (401/403) gets one fresh token and one retry in
        the kernel (ApiClient.request); refused again, it is written on the account."""
        self._lenient_statuses = lenient
        try:
            return self.request(method, path, **kwargs)
        except EbayTokenRefused:
            raise
        except AuthenticationError as exc:
            message = f"eBay refused a fresh user token for {path} (HTTP {exc.status})"
            record_auth_problem(self.account, message)
            raise EbayTokenRefused(message, vendor=self.vendor, status=exc.status) from exc
        except ThrottledError as exc:
            raise ThrottledError(
                f"{path}: over the eBay call quota", wait_seconds=exc.wait_seconds, vendor=self.vendor
            ) from exc
        finally:
            self._lenient_statuses = ()

    def bulk_update_price_quantity(self, requests_: list[dict]) -> tuple[int, dict]:
        resp = self.rest(
            "POST",
            BULK_QUANTITY_PATH,
            json={"requests": requests_},
            headers={"Content-Language": "en-US"},
            lenient=(207, 400),
        )
        try:
            data = resp.json()
        except ValueError:
            data = {}
        if resp.status_code == 400 and not data.get("responses"):
            raise PermanentError(
                f"bulkUpdatePriceQuantity rejected: {_rest_error(data)}", vendor=self.vendor, status=400
            )
        return resp.status_code, data

    def user_rate_limits(self) -> dict:
        return self.rest("GET", USER_RATE_LIMIT_PATH, params={"api_context": "tradingapi"}).json()


def trading_failure(call_name: str, errors: list[TradingError]):
    reason = "; ".join(e.describe() for e in errors[:5])
    if any(e.classification == "SystemError" for e in errors):
        return RetryableError(f"{call_name} failed: {reason}", vendor="ebay")
    return PermanentError(f"{call_name} rejected: {reason}", vendor="ebay")


def _json_field(resp, name: str) -> str:
    try:
        value = resp.json().get(name)
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def _rest_error(data: dict) -> str:
    errors = data.get("errors") or []
    if errors and isinstance(errors[0], dict):
        return f"{errors[0].get('errorId', '')}: {errors[0].get('message', '')}"[:300]
    return "error"
