"""Keeping a lease alive while work runs: a daemon thread renews it every few seconds. When the process dies
(kill -9, OOM, a restart), the renewals stop with it and the lease expires soon after, so another worker can
take the work over within the lease's short lifetime instead of waiting for a long fixed lease."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

log = logging.getLogger(__name__)


@contextmanager
def keep_alive(renew: Callable[[], object], every: float) -> Iterator[None]:
    """Call ``renew()`` every ``every`` seconds from a thread (its own database connection) while the block
    runs. A failing renewal is logged and tried again at the next beat."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    renew()
                except Exception:  # noqa: BLE001 - a missed beat; the lease outlives a few of them
                    log.warning("lease.renew_failed", exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
