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


def reserve(
    key: str,
    per_minute: float,
    burst: int = 1,
    max_wait: float | None = None,
    window_seconds: float | None = None,
) -> float:
    """``book`` and return only the wait."""
    return book(key, per_minute, burst, max_wait, window_seconds)[1]


def book(
    key: str,
    per_minute: float,
    burst: int = 1,
    max_wait: float | None = None,
    window_seconds: float | None = None,
) -> tuple[float, float]:
    """(the booked call's time as epoch seconds, the wait until then). Book one call on ``key``; returns the seconds to wait before making it. When that wait would be
    longer than ``max_wait``, nothing is booked (the caller will not make the call) and the wait is returned.

    Two models of a vendor budget: a token bucket (``burst`` calls at once, then ``per_minute``: GCRA), or,
    with ``window_seconds``, a rolling window: at most ``per_minute * window_seconds / 60`` calls in any
    window of that length, by every caller of the key together (no burst on top of the rate)."""
    interval = 60.0 / per_minute
    with transaction.atomic():
        now = timezone.now()
        bucket, _ = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"next_free_at": now}
        )
        if window_seconds:
            limit = max(int(per_minute * window_seconds / 60.0), 1)
            return _reserve_in_window(bucket, now, limit, window_seconds, max_wait)
        tat = max(bucket.next_free_at, now)
        if bucket.interval_seconds and abs(bucket.interval_seconds - interval) > 1e-9:
            # Re-base: the calls booked at the old spacing are owed at the new one (a vendor announcing a
            # faster rate than the documented one must make us faster, not leave the bucket minutes ahead).
            tat = now + (tat - now) * (interval / bucket.interval_seconds)
        allowed_at = tat - timedelta(seconds=interval) * max(burst - 1, 0)
        wait = max((allowed_at - now).total_seconds(), 0.0)
        if max_wait is not None and wait > max_wait:
            return now.timestamp() + wait, wait
        bucket.next_free_at = tat + timedelta(seconds=interval)
        bucket.interval_seconds = interval
        bucket.save(update_fields=["next_free_at", "interval_seconds"])
    return now.timestamp() + wait, wait


def _reserve_in_window(
    bucket: RateLimitBucket, now, limit: int, window: float, max_wait
) -> tuple[float, float]:
    now_s = now.timestamp()
    recent = sorted(t for t in bucket.recent or [] if t > now_s - window)
    at = max(now_s, bucket.next_free_at.timestamp())
    if len(recent) >= limit:
        at = max(at, recent[-limit] + window)
    wait = at - now_s
    if max_wait is not None and wait > max_wait:
        return at, wait
    bucket.recent = sorted([*recent, at])[-limit:]
    bucket.save(update_fields=["recent"])
    return at, wait


def observe_remaining(
    key: str, *, limit: int, remaining: int, reset_seconds: float, window_seconds: float
) -> None:
    """The vendor said ``remaining`` calls are left until its window resets in ``reset_seconds`` (other
    callers of the key count too). Tighten the rolling window so that at most that many calls are booked
    before the reset; never loosen it (answers arrive out of order)."""
    with transaction.atomic():
        now = timezone.now()
        bucket, _ = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"next_free_at": now}
        )
        reset_at = now.timestamp() + max(reset_seconds, 0.0)
        alive_after_reset = sorted(t for t in bucket.recent or [] if t > reset_at - window_seconds)
        used = max(limit - max(remaining, 0), 0)
        if len(alive_after_reset) >= used:
            return
        # entries expiring before the reset are replaced by ones expiring at it: ``used`` calls stay booked
        # until the vendor's window resets, so only ``remaining`` more are made before then
        phantoms = [reset_at - window_seconds] * (used - len(alive_after_reset))
        bucket.recent = sorted([*phantoms, *alive_after_reset])[-max(limit, 1) :]
        bucket.save(update_fields=["recent"])


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
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("pacing_deadline", default=None)


def clock() -> float:
    return time.monotonic()


@contextmanager
def time_budget(seconds: float | None):
    """Inside this block (a django-q task with a timeout), a paced call sleeps only as long as leaves
    OUTBOX_TASK_TIME_RESERVE_SECONDS for the call itself before the budget ends; a longer wait raises
    ``ThrottledError`` (the job is rescheduled, no retry spent) instead of the task being killed."""
    if seconds is None:
        yield
        return
    token = _deadline.set(clock() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds left in the current ``time_budget`` (None: no budget)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - clock()


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
    allowed = _max_sleep.get() or settings.HTTP_MAX_PACING_SLEEP_SECONDS
    left = time_left()
    if left is not None:
        allowed = min(allowed, max(left - settings.OUTBOX_TASK_TIME_RESERVE_SECONDS, 0.0))
    return allowed


def wait_for_slot(
    key: str | None, per_minute: float | None, burst: int = 1, window_seconds: float | None = None
) -> float:
    """Sleep until this key's next slot. A slot further away than the allowed sleep is not taken: the call
    raises ``ThrottledError`` so that a job is rescheduled (no retry spent) instead of holding a worker, and
    never calls the vendor before its budget allows."""
    if not key or not per_minute or not settings.HTTP_PACING_ENABLED:
        return 0.0
    from integration_server.http.errors import ThrottledError

    max_sleep = allowed_sleep()
    wait = reserve(key, per_minute, burst, max_wait=max_sleep, window_seconds=window_seconds)
    if wait > max_sleep:
        raise ThrottledError(
            f"rate budget of {key.split(':', 1)[0]} used up: next call allowed in {wait:.0f} s",
            wait_seconds=wait,
            vendor=key.split(":", 1)[0],
        )
    if wait > 0:
        time.sleep(wait)
    return wait
