"""The HTTP client base every vendor client uses: one session, timeouts, pacing per account, typed errors,
and one JSON log event per call (method, host, path, status, duration; never a secret, a query or a body)."""

from __future__ import annotations

import logging
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from integration_server.http import pacing
from integration_server.http.errors import (
    AuthenticationError,
    PermanentError,
    RetryableError,
    ThrottledError,
)

log = logging.getLogger("integration_server.http")


class ApiClient:
    """Subclass per vendor: set ``vendor``, override ``auth_headers`` and, where the vendor signals throttling
    its own way, ``throttle_wait`` / ``raise_for_body``."""

    vendor = "http"
    default_throttle_wait = 1.0

    def __init__(
        self,
        base_url: str,
        *,
        rate_key: str | None = None,
        per_minute: float | None = None,
        burst: int = 1,
        window_seconds: float | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.rate_key = rate_key
        self.per_minute = per_minute
        self.burst = burst
        self.window_seconds = window_seconds  # a rolling-window budget (per_minute over it), not a bucket
        self.timeout = timeout or (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT)
        self.session = session or self._new_session()

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # Proxy settings are read from the environment once, not on every call (a measurable cost).
        session.trust_env = False
        if not requests.utils.should_bypass_proxies(self.base_url, no_proxy=None):
            session.proxies.update(requests.utils.getproxies())
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    # --- hooks for vendor clients ---------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {}

    def throttle_wait(self, response: requests.Response) -> float:
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            try:
                return float(retry_after)
            except ValueError:
                pass
        return self.default_throttle_wait

    def raise_for_body(self, response: requests.Response) -> None:
        """Vendors that answer 200 with an error in the body raise here."""

    def on_authentication_failed(self) -> bool | None:
        """Called on a 401/403. A client holding a cached access token drops it here and returns True (an
        override returning None counts as True): the kernel then fetches a fresh token (``auth_headers``) and
        makes the call once more, in the same attempt. False: nothing cached (a static key, or a token just
        refreshed for this very call), the refusal stands. A failed refresh raises from ``auth_headers``:
        that, or a refusal of the fresh token, is the credential error ops must fix."""
        return False

    # --- the call ---------------------------------------------------------------------------------------
    def loggable_path(self, path: str) -> str:
        """The path as logs and error messages show it: a client whose paths carry an account identifier
        replaces it (e.g. with a hash)."""
        return path

    def url_for(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def request(
        self, method: str, path: str, *, expected: tuple[int, ...] = (), **kwargs
    ) -> requests.Response:
        extra_headers = kwargs.pop("headers", {})
        try:
            return self._request_once(method, path, expected, extra_headers, kwargs)
        except AuthenticationError as exc:
            # An access token the vendor no longer accepts (expired early, revoked, rotated): drop it,
            # refresh once, retry once. Only then is a refusal a credential error.
            if not getattr(exc, "token_refused", False) or self.on_authentication_failed() is False:
                raise
            log.info("http.token_refused", extra={"vendor": self.vendor, "status": exc.status})
            try:
                return self._request_once(method, path, expected, extra_headers, kwargs, retried=True)
            except AuthenticationError as again:
                # the fresh token was refused too: drop it, so no other caller reuses it
                if getattr(again, "token_refused", False):
                    self.on_authentication_failed()
                raise

    def _request_once(
        self,
        method: str,
        path: str,
        expected: tuple[int, ...],
        extra_headers: dict,
        kwargs: dict,
        retried=False,
    ) -> requests.Response:
        url = self.url_for(path)
        # a failed token refresh raises here: a credential error, not retried
        headers = {"Accept": "application/json", **self.auth_headers(), **extra_headers}
        waited = pacing.wait_for_slot(self.rate_key, self.per_minute, self.burst, self.window_seconds)
        started = time.monotonic()
        parts = urlsplit(url)
        parts = parts._replace(path=self.loggable_path(parts.path))  # logs and errors only; the call uses url
        event = {"vendor": self.vendor, "method": method, "host": parts.hostname, "path": parts.path}
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            log.warning("http.call", extra={**event, "status": None, "error": "timeout", **_ms(started)})
            raise RetryableError(f"{method} {parts.path} timed out", vendor=self.vendor) from exc
        except requests.RequestException as exc:
            log.warning(
                "http.call", extra={**event, "status": None, "error": type(exc).__name__, **_ms(started)}
            )
            raise RetryableError(
                f"{method} {parts.path} failed: {type(exc).__name__}", vendor=self.vendor
            ) from exc
        level = logging.INFO if response.status_code < 400 else logging.WARNING
        extra = {**event, "status": response.status_code, "paced_s": round(waited, 3), **_ms(started)}
        if retried:
            extra["token_refreshed"] = True
        log.log(level, "http.call", extra=extra)
        try:
            self.check(response, method, parts.path, expected)
        except AuthenticationError as exc:
            exc.token_refused = response.status_code in (401, 403)  # the vendor refused what we sent
            raise
        return response

    def check(self, response: requests.Response, method: str, path: str, expected: tuple[int, ...]) -> None:
        status = response.status_code
        what = f"{method} {path}"
        if status == 429:
            wait = self.throttle_wait(response)
            if self.rate_key:
                pacing.push_back(self.rate_key, wait)
            raise ThrottledError(f"{what} throttled", wait_seconds=wait, vendor=self.vendor, status=status)
        if status in (401, 403):
            raise AuthenticationError(f"{what} refused the credentials", vendor=self.vendor, status=status)
        if status >= 500 or status in (408, 409, 425):
            raise RetryableError(f"{what} failed", vendor=self.vendor, status=status)
        if status >= 400 or (expected and status not in expected):
            raise PermanentError(f"{what} rejected: {_reason(response)}", vendor=self.vendor, status=status)
        self.raise_for_body(response)

    def get_json(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, payload, **kwargs):
        return self.request("POST", path, json=payload, **kwargs)


def _ms(started: float) -> dict:
    return {"duration_ms": int((time.monotonic() - started) * 1000)}


def _reason(response: requests.Response, limit: int = 300) -> str:
    """A short reason from an error answer: vendors put a message field in the JSON; no raw body echo."""
    try:
        data = response.json()
    except ValueError:
        return response.reason or "error"
    if isinstance(data, dict):
        for key in ("message", "Message", "error_description", "error", "errorMessage", "ExceptionMessage"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value[:limit]
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("code") or "error")[:limit]
    return response.reason or "error"
