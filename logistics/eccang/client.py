"""The Eccang open-platform client: every call is signed (``signature.sign_params``) with a fresh timestamp
and nonce, ``biz_content`` travels as a JSON string both ways, and the vendor's throttling signals (body code
"429", ``saas.api.error.code.0061``, an HTML "request frequency exceeded" page) become ThrottledError."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import requests

from integration_server.http.client import ApiClient
from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from integration_server.json_bodies import parse_json_body
from logistics.eccang import conf
from logistics.eccang.models import ECCANG_ENDPOINT
from logistics.eccang.signature import sign_params

API_HOSTS = ("openapi-web.eccang.com",)  # base-URL overrides (integration_server.vendor_hosts)

THROTTLE_CODES = ("saas.api.error.code.0061",)
THROTTLE_PHRASES = ("请求频率超限", "请控制请求速度", "request frequency", "too many requests")
SIGNATURE_EXPIRED = "saas.api.error.code.0049"
SYSTEM_ERROR = "common.error.code.9999"


class SignatureExpired(RetryableError):
    """Timestamp older than a minute, or timestamp/sign reused: rebuild and resend once."""


@dataclass
class OrderPage:
    items: list
    page: int
    total: int | None


class EccangClient(ApiClient):
    vendor = "eccang"

    def __init__(self, account, **kwargs):
        self.account = account
        self.endpoint = account.api_base_url or ECCANG_ENDPOINT
        kwargs.setdefault("rate_key", f"eccang:{account.pk}")
        kwargs.setdefault("per_minute", conf.ECCANG_REQUESTS_PER_MINUTE)
        kwargs.setdefault("burst", 5)
        super().__init__(self.endpoint, **kwargs)

    # --- the envelope ---------------------------------------------------------------------------------------
    def signed_params(self, method: str, biz: dict, *, case: str | None = None) -> dict:
        params = {
            "app_key": self.account.app_key,
            "service_id": self.account.service_id,
            "interface_method": method,
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            "timestamp": str(int(time.time() * 1000)),
            "nonce_str": uuid.uuid4().hex,
            "sign_type": "MD5",
            "charset": "UTF-8",
            "version": self.account.api_version,
        }
        params["sign"] = sign_params(params, self.account.app_secret, case or self.account.sign_case)
        return params

    def call(self, method: str, biz: dict, *, case: str | None = None):
        """POST one signed call; returns the decoded ``biz_content``. An expired signature is rebuilt and
        resent once."""
        for attempt in (1, 2):
            try:
                response = self.request(
                    "POST", self.endpoint, json=self.signed_params(method, biz, case=case)
                )
            except SignatureExpired:
                if attempt == 2:
                    raise
                continue
            return decode_biz(response.json().get("biz_content"))
        return None  # pragma: no cover - the loop returns or raises

    def raise_for_body(self, response: requests.Response) -> None:
        try:
            data = response.json()
        except ValueError:
            text = response.text[:2000].lower()
            if any(phrase in text for phrase in THROTTLE_PHRASES):
                raise ThrottledError(
                    "request frequency exceeded (HTML answer)",
                    wait_seconds=conf.ECCANG_THROTTLE_WAIT_SECONDS,
                    vendor=self.vendor,
                ) from None
            raise RetryableError("answer is not JSON", vendor=self.vendor) from None
        if not isinstance(data, dict):
            raise PermanentError("unexpected answer shape", vendor=self.vendor)
        code = str(data.get("code", ""))
        if code == "200":
            return
        text = response.text
        if code == "429" or any(c in text for c in THROTTLE_CODES):
            raise ThrottledError(
                "throttled (body code)", wait_seconds=conf.ECCANG_THROTTLE_WAIT_SECONDS, vendor=self.vendor
            )
        if SIGNATURE_EXPIRED in text:
            raise SignatureExpired("signature expired", vendor=self.vendor)
        reason = f"code {code}: {error_codes(data)}"[:300]
        if SYSTEM_ERROR in text:
            raise RetryableError(reason, vendor=self.vendor)
        raise PermanentError(reason, vendor=self.vendor)

    # --- operations -----------------------------------------------------------------------------------------
    def get_order_list(self, *, page: int, page_size: int, condition: dict, case: str | None = None):
        biz = decode_biz(
            self.call(
                "getOrderList", {"page": page, "page_size": page_size, "condition": condition}, case=case
            )
        )
        if not isinstance(biz, dict):
            raise PermanentError("getOrderList: biz_content is not an object", vendor=self.vendor)
        items = biz.get("data") or []
        if not isinstance(items, list):
            raise PermanentError("getOrderList: data is not a list", vendor=self.vendor)
        total = None
        for key in ("total", "total_count", "count"):
            if biz.get(key) not in (None, ""):
                try:
                    total = int(biz[key])
                except (TypeError, ValueError):
                    continue
                break
        return OrderPage(items=items, page=int(biz.get("page") or page), total=total)


def decode_biz(value):
    """``biz_content`` is a JSON string inside the JSON answer; tolerate an object too."""
    if isinstance(value, str):
        return parse_json_body(value) if value.strip() else None  # bounded: depth, NUL, surrogates
    return value


def error_codes(data: dict) -> str:
    """Short error codes/messages of a failed answer (no body echo)."""
    biz = data.get("biz_content")
    try:
        biz = decode_biz(biz)
    except ValueError:
        biz = None
    parts = []
    if isinstance(biz, list):
        for err in biz[:3]:
            if isinstance(err, dict):
                parts.append(str(err.get("errorCode") or err.get("error_code") or err.get("code") or ""))
    return ", ".join(p for p in parts if p) or str(data.get("message") or "error")[:100]
