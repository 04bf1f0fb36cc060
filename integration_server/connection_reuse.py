"""Reusing the database connection on the webhook path without a health check per request.

Django's ``CONN_HEALTH_CHECKS`` (on, see DESIGN) runs ``SELECT 1`` before the first query of every request.
The webhook ingest path skips it and instead handles a dropped connection once: its statement is atomic
and idempotent (INSERT ... ON CONFLICT DO NOTHING), so after an OperationalError / InterfaceError outside a
transaction the connection is closed and the statement run once more on a fresh one. A database that is
really down fails the second time too (the caller answers 503).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)
T = TypeVar("T")


def skip_health_check_for_this_request() -> None:
    """The request's first query runs without the ``SELECT 1`` before it (see the module docstring)."""
    if connection.connection is not None:
        connection.health_check_done = True


def once_more_if_connection_dropped(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise  # the transaction is lost with the connection: the caller decides
        log.warning("db.connection_dropped_retrying")
        connection.close()
        return fn()
