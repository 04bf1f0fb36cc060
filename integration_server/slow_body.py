"""A request body must arrive within WEB_BODY_TIMEOUT seconds in all (gunicorn's gthread threads block on a
slow body otherwise; nginx in front buffers bodies, this is the bound when it is not).

Installed by gunicorn.conf.py's ``pre_request`` / ``post_request`` hooks: each read of the request socket
gets the time left as its timeout, and past the deadline a read fails at once; the read error becomes a 400
(Django's UnreadablePostError), and gunicorn closes the connection."""

from __future__ import annotations

import contextlib
import time


def start_body_deadline(req, seconds: float) -> None:
    unreader = getattr(req, "unreader", None)
    sock = getattr(unreader, "sock", None)
    if sock is None or seconds <= 0:
        return
    if not hasattr(unreader, "_plain_chunk"):
        unreader._plain_chunk = unreader.chunk

        def chunk(size_hint=None):
            deadline = getattr(unreader, "_body_deadline", None)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("request body not received in time")
                sock.settimeout(remaining)
            return unreader._plain_chunk(size_hint)

        unreader.chunk = chunk
    unreader._body_deadline = time.monotonic() + seconds


def end_body_deadline(req) -> None:
    unreader = getattr(req, "unreader", None)
    if unreader is not None and getattr(unreader, "_body_deadline", None) is not None:
        unreader._body_deadline = None
        with contextlib.suppress(OSError):
            unreader.sock.settimeout(None)
