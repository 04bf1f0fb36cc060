"""Signing keys (webhook accounts) kept per process for a short time, so that a delivery does not read and
decrypt its account on every request.

An entry lives ``WEBHOOK_KEY_CACHE_SECONDS`` (30 s). A change saved in this process drops the model's
entries at once (post_save / post_delete); a change saved by another process is seen when the entry
expires, or at once when a signature does not match the cached keys: ``verify_with_cached`` then reloads
the account and checks again. A wrong signature therefore costs the same read as without the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from integration_server.connection_reuse import once_more_if_connection_dropped

MAX_ENTRIES = 256  # lookups are keyed by what a request says (a shop domain): keep the table small

_entries: dict[tuple[str, str], tuple[float, object]] = {}
_lock = threading.Lock()


def _ttl() -> float:
    return float(getattr(settings, "WEBHOOK_KEY_CACHE_SECONDS", 30))


def cached(name: str, key: str, loader: Callable[[], object], *, fresh: bool = False) -> tuple[object, bool]:
    """``(value, from_cache)``: the cached value of (name, key), or ``loader()`` stored for a while."""
    now = time.monotonic()
    if not fresh:
        hit = _entries.get((name, key))
        if hit is not None and hit[0] > now:
            return hit[1], True
    value = once_more_if_connection_dropped(loader)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[(name, key)] = (now + _ttl(), value)
    return value, False


def verify_with_cached(
    name: str, key: str, loader: Callable[[], object], check: Callable[[object], bool]
) -> bool:
    """``check(value)`` on the cached value; if it fails on a cached value, once more on a fresh load."""
    value, from_cache = cached(name, key, loader)
    if check(value):
        return True
    if not from_cache:
        return False
    value, _ = cached(name, key, loader, fresh=True)
    return check(value)


def forget(name: str) -> None:
    with _lock:
        for entry in [e for e in _entries if e[0] == name]:
            _entries.pop(entry, None)


def clear() -> None:
    with _lock:
        _entries.clear()


def size() -> int:
    return len(_entries)


def forget_on_change(model, name: str) -> None:
    """Drop the cached entries of ``name`` whenever a ``model`` row is saved or deleted in this process."""

    def receiver(sender, **kwargs):
        forget(name)

    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"key_cache:{name}:save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"key_cache:{name}:delete")
