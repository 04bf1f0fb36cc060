"""Pacing shared by every worker process (GCRA on a database row): a vendor budget such as ShipStation's
40/min is per key, not per process. ``reserve`` books the next slot and returns how long to wait for it."""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integration_server.models import RateLimitBucket


def reserve(key: str, per_minute: float, burst: int = 1, max_wait: float | None = None) -> float:
    """Book one call on ``key``; returns the seconds to wait before making it. When that wait would be
    longer than ``max_wait``, nothing is booked (the caller will not make the call) and the wait is returned."""
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
        if max_wait is not None and wait > max_wait:
            return wait
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


_max_sleep: contextvars.ContextVar[float | None] = contextvars.ContextVar("pacing_max_sleep", default=None)


@contextmanager
def patient(max_sleep: float = 3600.0):
    """Inside this block a paced call sleeps up to ``max_sleep`` for its slot (a backfill run by hand)
    instead of giving up after HTTP_MAX_PACING_SLEEP_SECONDS."""
    token = _max_sleep.set(max_sleep)
    try:
        yield
    finally:
        _max_sleep.reset(token)


def allowed_sleep() -> float:
    """How long a caller may sleep for the vendor's budget here: long inside ``patient()``, else
    HTTP_MAX_PACING_SLEEP_SECONDS (a vendor's 429 asking for longer should end the call, not hold a worker)."""
    return _max_sleep.get() or settings.HTTP_MAX_PACING_SLEEP_SECONDS


def wait_for_slot(key: str | None, per_minute: float | None, burst: int = 1) -> float:
    """Sleep until this key's next slot. A slot further away than the allowed sleep is not taken: the call
    raises ``ThrottledError`` so that a job is rescheduled (no retry spent) instead of holding a worker, and
    never calls the vendor before its budget allows."""
    if not key or not per_minute or not settings.HTTP_PACING_ENABLED:
        return 0.0
    from integration_server.http.errors import ThrottledError

    max_sleep = allowed_sleep()
    wait = reserve(key, per_minute, burst, max_wait=max_sleep)
    if wait > max_sleep:
        raise ThrottledError(
            f"rate budget of {key.split(':', 1)[0]} used up: next call allowed in {wait:.0f} s",
            wait_seconds=wait,
            vendor=key.split(":", 1)[0],
        )
    if wait > 0:
        time.sleep(wait)
    return wait
