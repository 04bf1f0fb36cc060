"""17TRACK v2.2: the API client and the provider implementation (reference/17track.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError, PermanentError, RetryableError
from logistics.tracking import conf
from logistics.tracking.provider import (
    RegistrationResult,
    TrackingProvider,
    TrackingRequest,
    TrackingUpdate,
    register_provider,
)
from logistics.tracking.status_map import map_status

log = logging.getLogger(__name__)

API_PATH = "/track/v2.2"
DEFAULT_BASE_URL = "https://api.17track.net" + API_PATH
API_HOSTS = ("api.17track.net",)  # base-URL overrides (integration_server.vendor_hosts)
MAX_NUMBERS_PER_CALL = 40
# Per-number rejections that mean "this number is already tracked for you".
ALREADY_REGISTERED_CODES = {-18019901}


def api_base_url(configured: str) -> str:
    """The account's base URL as the client uses it: blank = 17TRACK's; a host alone (no path) gets the API
    path added, so ``https://api.17track.net`` or a simulator's ``http://127.0.0.1:8105`` both work."""
    configured = (configured or "").strip()
    if not configured:
        return DEFAULT_BASE_URL
    parts = urlsplit(configured)
    if parts.path in ("", "/"):
        return configured.rstrip("/") + API_PATH
    return configured


class Track17Client(ApiClient):
    vendor = "17track"

    def __init__(self, api_key: str, base_url: str = "", **kwargs):
        self.api_key = api_key
        kwargs.setdefault("rate_key", "17track")
        kwargs.setdefault("per_minute", conf.TRACK17_REQUESTS_PER_MINUTE)
        kwargs.setdefault("burst", 3)
        super().__init__(api_base_url(base_url), **kwargs)

    def auth_headers(self) -> dict[str, str]:
        return {"17token": self.api_key, "Content-Type": "application/json"}

    def raise_for_body(self, response) -> None:
        try:
            data = response.json()
        except ValueError as exc:
            raise RetryableError(
                "answer is not JSON", vendor=self.vendor, status=response.status_code
            ) from exc
        code = data.get("code") if isinstance(data, dict) else None
        if code in (0, None):
            return
        errors = (data.get("data") or {}).get("errors") or []
        reason = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict))
        message = f"request refused (code {code}){': ' + reason if reason else ''}"
        if code == 401 or ("key" in reason.lower() and "invalid" in reason.lower()):
            raise AuthenticationError(message, vendor=self.vendor)
        raise PermanentError(message, vendor=self.vendor)

    def call(self, operation: str, items: list[dict]) -> dict:
        if len(items) > MAX_NUMBERS_PER_CALL:
            raise ValueError(f"17TRACK takes at most {MAX_NUMBERS_PER_CALL} numbers per call")
        return self.request("POST", operation, json=items).json().get("data") or {}


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def delivered_time_in_history(info: dict) -> datetime | None:
    """The earliest delivery the item's history shows: the ``Delivered`` milestone, or any provider event
    whose stage or sub-status is Delivered. None when the parcel was never reported delivered."""
    times = []
    for milestone in info.get("milestone") or []:
        if isinstance(milestone, dict) and milestone.get("key_stage") == "Delivered":
            times.append(_parse_time(milestone.get("time_utc")) or _parse_time(milestone.get("time_iso")))
    for provider in (info.get("tracking") or {}).get("providers") or []:
        for event in (provider or {}).get("events") or []:
            if not isinstance(event, dict):
                continue
            stage = str(event.get("stage") or "")
            sub = str(event.get("sub_status") or "")
            if stage == "Delivered" or sub.startswith("Delivered"):
                times.append(_parse_time(event.get("time_utc")) or _parse_time(event.get("time_iso")))
    times = [t for t in times if t is not None]
    return min(times) if times else None


def update_from_item(item: dict, overrides: dict | None = None) -> TrackingUpdate:
    """A push's ``data`` or a ``gettrackinfo`` ``accepted[]`` item -> a normalised update."""
    info = item.get("track_info") or {}
    latest = info.get("latest_status") or {}
    event = info.get("latest_event") or {}
    main, sub = latest.get("status") or "", latest.get("sub_status") or ""
    status = map_status(main, sub, overrides)
    if status is None and main:
        log.warning("track17.unknown_status", extra={"status": main, "sub_status": sub})
    event_at = _parse_time(event.get("time_utc")) or _parse_time(event.get("time_iso"))
    delivered_at = delivered_time_in_history(info)
    if delivered_at is None and main == "Delivered":
        delivered_at = event_at
    return TrackingUpdate(
        number=str(item.get("number") or ""),
        status=status,
        provider_status=main,
        provider_sub_status=sub,
        delivered_at=delivered_at,
        event_at=event_at,
        description=(event.get("description") or latest.get("sub_status_descr") or "")[:500],
        carrier_code=str(item.get("carrier") or ""),
        tag=str(item.get("tag") or ""),
    )


class Track17Provider(TrackingProvider):
    name = "17track"
    max_batch = MAX_NUMBERS_PER_CALL

    def __init__(self, account=None, client: Track17Client | None = None):
        if client is None:
            if account is None:
                from logistics.models import TrackingAccount

                account = TrackingAccount.objects.filter(provider=self.name, enabled=True).first()
            if account is None or not account.api_key:
                raise PermanentError("no enabled 17TRACK account with an API key", vendor="17track")
            client = Track17Client(account.api_key, account.api_base_url)
        self.client = client
        self.overrides = (account.status_overrides if account else None) or {}

    @staticmethod
    def _items(requests: list[TrackingRequest], with_tag: bool) -> list[dict]:
        items = []
        for r in requests:
            item = {"number": r.number}
            if r.carrier:
                item["carrier"] = int(r.carrier) if r.carrier.isdigit() else r.carrier
            if with_tag and r.tag:
                item["tag"] = r.tag
            items.append(item)
        return items

    def register(self, requests: list[TrackingRequest]) -> RegistrationResult:
        data = self.client.call("register", self._items(requests, with_tag=True))
        result = RegistrationResult(accepted=[str(a.get("number")) for a in data.get("accepted") or []])
        for rejected in data.get("rejected") or []:
            number = str(rejected.get("number"))
            error = rejected.get("error") or {}
            if error.get("code") in ALREADY_REGISTERED_CODES:
                result.accepted.append(number)
            else:
                result.rejected[number] = f"{error.get('code')}: {error.get('message')}"[:300]
        return result

    def fetch(self, requests: list[TrackingRequest]) -> list[TrackingUpdate]:
        data = self.client.call("gettrackinfo", self._items(requests, with_tag=False))
        return [update_from_item(item, self.overrides) for item in data.get("accepted") or []]

    def parse_push(self, payload: dict) -> list[TrackingUpdate]:
        return parse_push(payload, self.overrides)


def parse_push(payload: dict, overrides: dict | None = None) -> list[TrackingUpdate]:
    if not isinstance(payload, dict):
        return []
    event = payload.get("event")
    if event != "TRACKING_UPDATED":
        log.info("track17.push_ignored", extra={"event": str(event)[:40]})
        return []
    data = payload.get("data") or {}
    return [update_from_item(data, overrides)] if data.get("number") else []


register_provider("17track", Track17Provider)
