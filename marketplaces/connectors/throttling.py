"""Waiting out a vendor's 429 inside one connector call, for as long as pacing lets this caller sleep."""

from __future__ import annotations

import logging
import time

from integration_server.http import pacing
from integration_server.http.errors import ThrottledError

log = logging.getLogger(__name__)


def call_waiting_out_throttles(fn, *args, vendor: str, max_waits: int):
    """``fn(*args)``; a ThrottledError is slept through (at most ``max_waits`` times) while its wait fits in
    what pacing allows this caller (a scheduled pull gives up early and resumes next run; a command waits). A
    longer wait, or the last try's refusal, goes up to the caller."""
    for _ in range(max_waits):
        try:
            return fn(*args)
        except ThrottledError as exc:
            if exc.wait_seconds > pacing.allowed_sleep():
                raise
            log.info(f"{vendor}.throttled", extra={"wait_s": exc.wait_seconds})
            time.sleep(exc.wait_seconds)
    return fn(*args)
