"""Writing jobs: inside the caller's transaction; the worker is poked after commit."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integration_server.models import OutboundJob

log = logging.getLogger(__name__)


def enqueue_job(
    kind: str,
    payload: dict | None = None,
    *,
    dedupe_key: str | None = None,
    group_key: str = "",
    run_at: datetime | None = None,
) -> OutboundJob:
    """Write one job. With a ``dedupe_key``, a second job of the same kind and key is not created: the
    existing one is returned (the unique constraint decides, not a read before the write)."""
    job = OutboundJob(
        kind=kind,
        payload=payload or {},
        dedupe_key=dedupe_key,
        group_key=group_key,
        next_attempt_at=run_at or timezone.now(),
    )
    if dedupe_key is None:
        job.save()
    else:
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            return OutboundJob.objects.get(kind=kind, dedupe_key=dedupe_key)
    _dispatch_after_commit([job])
    return job


def enqueue_jobs(jobs: list[OutboundJob]) -> list[OutboundJob]:
    """Write many jobs in one INSERT; jobs whose (kind, dedupe_key) exists already are skipped."""
    if not jobs:
        return []
    now = timezone.now()
    for job in jobs:
        job.next_attempt_at = job.next_attempt_at or now
    with_keys = [j for j in jobs if j.dedupe_key is not None]
    without = [j for j in jobs if j.dedupe_key is None]
    created = OutboundJob.objects.bulk_create(without) if without else []
    if with_keys:
        OutboundJob.objects.bulk_create(with_keys, ignore_conflicts=True)
        created += list(
            OutboundJob.objects.filter(
                kind__in={j.kind for j in with_keys},
                dedupe_key__in=[j.dedupe_key for j in with_keys],
                state=OutboundJob.State.PENDING,
            )
        )
    _dispatch_after_commit(created)
    return created


def _dispatch_after_commit(jobs: list[OutboundJob]) -> None:
    """One worker task per (kind, group) after commit; the sweep catches anything this misses."""
    groups = {(j.kind, j.group_key) for j in jobs if j.next_attempt_at <= timezone.now()}
    for kind, group in groups:
        transaction.on_commit(lambda k=kind, g=group: dispatch(k, g))


def dispatch(kind: str, group_key: str = "") -> None:
    from django_q.tasks import async_task

    try:
        async_task("integration_server.outbox.tasks.run_due_jobs_task", kind, group_key, q_options={})
    except Exception:  # noqa: BLE001 - the sweep will run the job; never fail the caller's commit
        log.warning("outbox.dispatch_failed", extra={"kind": kind}, exc_info=True)
