"""Shopify's webhook signature (pure): base64 HMAC-SHA256 of the raw body with the shop's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


def webhook_hmac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def hmac_matches(body: bytes, header_value: str, secrets: list[str]) -> bool:
    given = (header_value or "").strip().encode()
    if not given:
        return False
    ok = False
    for secret in secrets:
        ok |= hmac.compare_digest(webhook_hmac(body, secret).encode(), given)
    return ok
