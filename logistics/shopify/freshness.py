"""Replay window of Shopify deliveries: ``X-Shopify-Triggered-At`` must be recent.

Shopify retries a failed delivery for up to 4 hours with the original trigger time, so the window
(SHOPIFY_WEBHOOK_MAX_AGE_MINUTES, default 6 h) is longer than that; a replayed delivery with a fresh webhook
id but an old trigger time is refused, and so is one without the header or from the future (clock skew
allowed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime

FUTURE_SKEW = timedelta(minutes=5)


def triggered_at(value: str | None) -> datetime | None:
    try:
        parsed = parse_datetime((value or "").strip())
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def delivery_is_fresh(header: str | None, *, now: datetime, max_age_minutes: int) -> bool:
    when = triggered_at(header)
    if when is None:
        return False
    return now - timedelta(minutes=max_age_minutes) <= when <= now + FUTURE_SKEW
