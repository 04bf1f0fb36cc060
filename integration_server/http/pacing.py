"""Pacing shared by every worker process (GCRA on a database row): a vendor budget such as ShipStation's
40/min is per key, not per process. ``reserve`` books the next slot and returns how long to wait for it."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integration_server.models import RateLimitBucket


def reserve(key: str, per_minute: float, burst: int = 1) -> float:
    """Book one call on ``key``; returns the seconds to wait before making it."""
    interval = timedelta(seconds=60.0 / per_minute)
    tolerance = interval * max(burst - 1, 0)
    with transaction.atomic():
        now = timezone.now()
        bucket, _ = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"next_free_at": now}
        )
        tat = max(bucket.next_free_at, now)
        allowed_at = tat - tolerance
        wait = max((allowed_at - now).total_seconds(), 0.0)
        bucket.next_free_at = tat + interval
        bucket.save(update_fields=["next_free_at"])
    return wait


def push_back(key: str, seconds: float) -> None:
    """The vendor throttled us: nobody on this key calls again for ``seconds``."""
    until = timezone.now() + timedelta(seconds=seconds)
    with transaction.atomic():
        bucket, created = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"next_free_at": until}
        )
        if not created and bucket.next_free_at < until:
            bucket.next_free_at = until
            bucket.save(update_fields=["next_free_at"])


def wait_for_slot(key: str | None, per_minute: float | None, burst: int = 1, max_wait: float = 60.0) -> float:
    if not key or not per_minute or not settings.HTTP_PACING_ENABLED:
        return 0.0
    wait = reserve(key, per_minute, burst)
    if wait > 0:
        time.sleep(min(wait, max_wait))
    return wait
