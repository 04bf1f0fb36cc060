"""The web process runs the system checks manage.py runs (and the database ones: do the keys open the
stored data?) and refuses to start on an error, instead of serving webhooks it cannot authenticate."""

from __future__ import annotations

import logging

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

log = logging.getLogger(__name__)


def run_startup_checks() -> None:
    found = [m for m in checks.run_checks(databases=[DEFAULT_DB_ALIAS]) if not m.is_silenced()]
    errors = [m for m in found if m.is_serious()]
    for message in found:
        if not message.is_serious():
            log.warning("startup.check_warning", extra={"check": message.id, "detail": message.msg})
    if errors:
        for message in errors:
            log.critical("startup.check_failed", extra={"check": message.id, "detail": message.msg})
        raise ImproperlyConfigured("refusing to start: " + "; ".join(f"{m.id}: {m.msg}" for m in errors))
