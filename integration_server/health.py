"""Service health: database, worker heartbeat, due-job backlog, last successful run of each schedule."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone

from integration_server.models import OutboundJob, ScheduleRun, WorkerHeartbeat
from integration_server.restorable import restorable
from integration_server.schedules import registered_schedules


def collect_health() -> dict:
    now = timezone.now()
    report: dict = {"status": "ok", "time": now.isoformat(), "problems": []}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except DatabaseError as exc:
        report.update(status="fail", database=f"error: {type(exc).__name__}")
        report["problems"].append("database unreachable")
        return report

    beat = WorkerHeartbeat.objects.filter(name="worker").values_list("beat_at", flat=True).first()
    age = None if beat is None else round((now - beat).total_seconds(), 1)
    report["worker_heartbeat_age_s"] = age
    if age is None or age > settings.HEALTH_MAX_HEARTBEAT_AGE_SECONDS:
        report["problems"].append("no live worker (heartbeat missing or stale)")

    due = OutboundJob.objects.filter(state=OutboundJob.State.PENDING, next_attempt_at__lte=now).aggregate(
        count=Count("id"), oldest=Min("next_attempt_at")
    )
    oldest_age = None if due["oldest"] is None else round((now - due["oldest"]).total_seconds(), 1)
    report["due_jobs"] = due["count"]
    report["oldest_due_job_age_s"] = oldest_age
    if oldest_age is not None and oldest_age > settings.HEALTH_MAX_DUE_JOB_AGE_SECONDS:
        report["problems"].append("due jobs are waiting too long")
    report["failed_jobs"] = OutboundJob.objects.filter(state=OutboundJob.State.FAILED).count()
    intervals = {spec.name: spec.minutes for spec in registered_schedules() if spec.minutes}
    report["schedules"] = {}
    for run in ScheduleRun.objects.order_by("name"):
        stale = _is_stale(run, intervals.get(run.name), now)
        report["schedules"][run.name] = {
            "last_success_at": run.last_success_at.isoformat() if run.last_success_at else None,
            "last_error": run.last_error[:200] or None,
            "stale": stale,
        }
        if stale:
            report["problems"].append(
                f"schedule {run.name} has not succeeded for over {_limit(intervals[run.name])}"
            )
    for name, check in _APP_CHECKS:
        section = check(now)
        report[name] = section.get("details", {})
        report["problems"] += section.get("problems", [])
        if section.get("warnings"):
            report.setdefault("warnings", []).extend(section["warnings"])
    if report["problems"]:
        report["status"] = "fail"
    return report


# Apps add their own health sections (the kernel imports no app): fn(now) -> {"details": {...},
# "problems": [...] (make the answer 503), "warnings": [...] (reported, still 200)}.
_APP_CHECKS: list[tuple[str, Callable[..., dict]]] = restorable([])


def register_health_check(name: str, fn: Callable[..., dict]) -> None:
    _APP_CHECKS[:] = [(n, f) for n, f in _APP_CHECKS if n != name] + [(name, fn)]


def _limit(minutes: int) -> str:
    return f"{max(3 * minutes, 15)} min"


def _is_stale(run: ScheduleRun, minutes: int | None, now) -> bool:
    """A frequent schedule whose last success (or first start) is older than three intervals (15 min at
    least): the scheduler stopped, or the task keeps failing. Daily (cron) schedules are not judged."""
    if not minutes:
        return False
    since = run.last_success_at or run.last_started_at
    return since is not None and (now - since).total_seconds() > max(3 * minutes, 15) * 60


def healthz(request):
    report = collect_health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
