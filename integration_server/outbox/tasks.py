"""django-q2 entry points of the outbox: thin wrappers around the runner."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from integration_server.models import OutboundJob, WorkerHeartbeat
from integration_server.outbox.enqueue import dispatch
from integration_server.outbox.runner import recover_expired_leases, run_due_jobs
from integration_server.schedules import records_schedule_run


def run_due_jobs_task(kind: str, group_key: str = "") -> int:
    """Within the task's timeout: jobs it has no time for are given back, not killed with the task."""
    return run_due_jobs(kind, group_key, time_budget=task_time_budget())


def task_time_budget() -> float | None:
    timeout = settings.Q_CLUSTER.get("timeout")
    return float(timeout) if timeout else None


@records_schedule_run("outbox-sweep")
def sweep() -> dict:
    """Every minute: heartbeat, recover jobs of dead workers, dispatch every due (kind, group)."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"beat_at": now})
    recovered = recover_expired_leases(now)
    groups = list(
        OutboundJob.objects.filter(state=OutboundJob.State.PENDING, next_attempt_at__lte=now)
        .values_list("kind", "group_key")
        .distinct()
        .order_by()
    )
    for kind, group_key in groups:
        dispatch(kind, group_key)
    return {"recovered": recovered, "dispatched": len(groups)}
