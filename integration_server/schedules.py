"""Recurring work, registered by each app and written to django-q2 idempotently (one row per name)."""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integration_server.restorable import restorable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int | None = None
    cron: str | None = None
    args: tuple = ()


_SCHEDULES: dict[str, ScheduleSpec] = restorable({})


def register_schedule(name: str, func: str, *, minutes: int | None = None, cron: str | None = None, args=()):
    if (minutes is None) == (cron is None):
        raise ValueError("give minutes or cron")
    _SCHEDULES[name] = ScheduleSpec(name=name, func=func, minutes=minutes, cron=cron, args=tuple(args))


def registered_schedules() -> list[ScheduleSpec]:
    return sorted(_SCHEDULES.values(), key=lambda s: s.name)


def ensure_schedules() -> dict[str, int]:
    """Create or update one django-q2 Schedule per registered name; running it twice changes nothing.
    An interval ops changed in the admin is kept."""
    from django_q.models import Schedule

    created = updated = 0
    with transaction.atomic():
        existing: dict[str, list] = {}
        for row in Schedule.objects.filter(name__in=list(_SCHEDULES)).order_by("id"):
            existing.setdefault(row.name, []).append(row)
        for spec in registered_schedules():
            rows = existing.get(spec.name, [])
            for extra in rows[1:]:
                extra.delete()
            kind = Schedule.CRON if spec.cron else Schedule.MINUTES
            fields = {
                "func": spec.func,
                "args": repr(spec.args) if spec.args else None,
                "schedule_type": kind,
            }
            if spec.cron:
                fields["cron"] = spec.cron
            if rows:
                row = rows[0]
                changed = [k for k, v in fields.items() if getattr(row, k) != v]
                if changed:
                    for k in changed:
                        setattr(row, k, fields[k])
                    row.save(update_fields=changed)
                    updated += 1
            else:
                Schedule.objects.create(
                    name=spec.name,
                    minutes=spec.minutes,
                    repeats=-1,
                    next_run=timezone.now(),
                    **fields,
                )
                created += 1
    return {"created": created, "updated": updated, "total": len(_SCHEDULES)}


def records_schedule_run(name: str):
    """Decorator for a scheduled entry point: records its start and last success for /healthz."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            from integration_server.models import ScheduleRun

            started = timezone.now()
            ScheduleRun.objects.update_or_create(name=name, defaults={"last_started_at": started})
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                ScheduleRun.objects.filter(name=name).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
                raise
            ScheduleRun.objects.filter(name=name).update(last_success_at=timezone.now(), last_error="")
            return result

        return inner

    return wrap


def retry_run_later(func: str, args: tuple, attempt: int) -> datetime:
    """Run a scheduled task again soon after it failed, with the outbox's backoff (30 s, 60 s, ... 5 min for
    ``attempt`` 1, 2, ...) instead of at its next interval: a one-off django-q2 schedule. ``args`` (literals
    only) carry what the task needs to resume."""
    from django_q.models import Schedule

    from integration_server.outbox.backoff import retry_delay_seconds

    at = timezone.now() + timedelta(seconds=retry_delay_seconds(attempt))
    Schedule.objects.create(
        name=f"retry:{func.rsplit('.', 1)[-1][:40]}:{uuid.uuid4().hex[:12]}",
        func=func,
        args=repr(tuple(args)),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=at,
    )
    log.info("schedule.retry_later", extra={"func": func, "attempt": attempt, "at": at.isoformat()})
    return at
