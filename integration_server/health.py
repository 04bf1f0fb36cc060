"""Service health: database, worker heartbeat, due-job backlog, last successful run of each schedule, jobs
failed in the last 24 h, and the sections apps register (open alerts, marketplace accounts ...).
``problems_needing_attention`` is the list the admin front page highlights."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import JsonResponse
from django.urls import reverse
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
    report["due_jobs_by_kind"] = {}
    for kind, count, oldest in (
        OutboundJob.objects.filter(state=OutboundJob.State.PENDING, next_attempt_at__lte=now)
        .values_list("kind")
        .annotate(count=Count("id"), oldest=Min("next_attempt_at"))
        .order_by("kind")
    ):
        kind_age = round((now - oldest).total_seconds(), 1)
        report["due_jobs_by_kind"][kind] = {"count": count, "oldest_age_s": kind_age}
        if kind_age > settings.HEALTH_MAX_DUE_JOB_AGE_SECONDS:
            report["problems"].append(
                f"{count} due {kind} job(s), the oldest waiting {kind_age / 60:.0f} min"
            )
    report["failed_jobs"] = OutboundJob.objects.filter(state=OutboundJob.State.FAILED).count()
    flagged = OutboundJob.objects.filter(needs_attention=True).exclude(state=OutboundJob.State.SUCCEEDED)
    report["jobs_needing_attention"] = flagged.count()
    if report["jobs_needing_attention"]:
        report["problems"].append(
            f"{report['jobs_needing_attention']} job(s) lost their worker several times in a row"
        )
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
    report["attention"] = []
    for name, check in _APP_CHECKS:
        section = check(now)
        report[name] = section.get("details", {})
        report["problems"] += section.get("problems", [])
        if section.get("warnings"):
            report.setdefault("warnings", []).extend(section["warnings"])
        report["attention"] += [asdict(item) for item in _attention_of(section)]
    if report["problems"]:
        report["status"] = "fail"
    return report


# Apps add their own health sections (the kernel imports no app): fn(now) -> {"details": {...},
# "problems": [...] (make the answer 503), "warnings": [...] (reported, still 200), and optionally
# "attention": [Attention ...] (what the front page highlights, with links; else made from the problems and
# warnings)}.
_APP_CHECKS: list[tuple[str, Callable[..., dict]]] = restorable([])


@dataclass(frozen=True)
class Attention:
    """One thing ops must look at: ``level`` "critical" (red) or "warning" (amber), words, a link."""

    level: str
    text: str
    url: str = ""


def _attention_of(section: dict) -> list[Attention]:
    if "attention" in section:
        return list(section["attention"])
    return [Attention("critical", p) for p in section.get("problems", [])] + [
        Attention("warning", w) for w in section.get("warnings", [])
    ]


def problems_needing_attention(now=None) -> list[Attention]:
    """What the admin front page highlights: open alerts by severity, jobs failed in the last 24 h, and
    every other app check's problems (red) and warnings (amber), critical first, each with a link where one
    exists. Empty = all is well. A few aggregate queries."""
    now = now or timezone.now()
    items: list[Attention] = []
    for _name, check in _APP_CHECKS:
        items += _attention_of(check(now))
    return sorted(items, key=lambda a: a.level != "critical")


FAILED_JOBS_WINDOW = timedelta(hours=24)


def failed_jobs_health(now) -> dict:
    """Jobs that failed for good (out of retries, or refused) in the last 24 h, per kind: each is a problem
    until retried or 24 h old (one query)."""
    since = now - FAILED_JOBS_WINDOW
    per_kind = dict(
        OutboundJob.objects.filter(state=OutboundJob.State.FAILED, finished_at__gte=since)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    total = sum(per_kind.values())
    details = {"last_24h": total, "by_kind": per_kind}
    if not total:
        return {"details": details}
    text = f"{total} job(s) failed in the last 24 h: " + ", ".join(f"{k} {n}" for k, n in per_kind.items())
    url = (
        reverse("admin:integration_server_outboundjob_changelist")
        + "?"
        + urlencode({"state__exact": OutboundJob.State.FAILED, "finished_at__gte": since.isoformat()})
    )
    return {"details": details, "problems": [text], "attention": [Attention("critical", text, url)]}


def register_health_check(name: str, fn: Callable[..., dict]) -> None:
    _APP_CHECKS[:] = [(n, f) for n, f in _APP_CHECKS if n != name] + [(name, fn)]


register_health_check("failed_jobs_24h", failed_jobs_health)


def _limit(minutes: int) -> str:
    return f"{max(3 * minutes, 15)} min"


def _is_stale(run: ScheduleRun, minutes: int | None, now) -> bool:
    """A frequent schedule whose last success (or first start) is older than three intervals (15 min at
    least): the scheduler stopped, or the task keeps failing. Daily (cron) schedules are not judged."""
    if not minutes:
        return False
    since = run.last_success_at or run.last_started_at
    return since is not None and (now - since).total_seconds() > max(3 * minutes, 15) * 60


def detail_allowed(request) -> bool:
    """The detail of /healthz is for ops (it names accounts, jobs and errors): only with the token."""
    expected = getattr(settings, "HEALTHZ_DETAIL_TOKEN", "")
    given = request.headers.get("X-Health-Token") or request.GET.get("token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def public_view(report: dict) -> dict:
    """What anyone may see: whether the service is healthy, nothing else."""
    return {"status": report["status"]}


def healthz(request):
    report = collect_health()
    body = report if detail_allowed(request) else public_view(report)
    return JsonResponse(body, status=200 if report["status"] == "ok" else 503)
