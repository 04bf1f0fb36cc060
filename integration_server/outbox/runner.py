"""Claiming and running due jobs, recording every attempt, rescheduling by the policy of SPEC 4.

Workers claim with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a lease: two workers never run one job, and a
job whose worker died is run again once its lease has expired. Handlers run outside any transaction.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integration_server.http import pacing
from integration_server.http.errors import PermanentError, ThrottledError
from integration_server.logging_context import job_context
from integration_server.models import JobAttempt, OutboundJob
from integration_server.outbox.backoff import retry_delay_seconds
from integration_server.outbox.registry import JobPolicy, policy_for
from integration_server.project_apps import is_project_module

log = logging.getLogger(__name__)
State = OutboundJob.State
Outcome = JobAttempt.Outcome


def _lease_seconds(policy: JobPolicy | None) -> int:
    return (policy and policy.lease_seconds) or settings.OUTBOX_LEASE_SECONDS


def claim_jobs(
    kind: str, group_key: str | None, limit: int, now: datetime, min_lease_seconds: float = 0
) -> list[OutboundJob]:
    """Claim up to ``limit`` due jobs. The lease lasts the kind's lease, and at least ``min_lease_seconds``
    (a task's timeout: a live task never loses its jobs to the sweep)."""
    policy = policy_for(kind)
    token = uuid.uuid4()
    lease = max(_lease_seconds(policy), min_lease_seconds)
    with transaction.atomic():
        due = OutboundJob.objects.filter(kind=kind, state=State.PENDING, next_attempt_at__lte=now)
        if group_key is not None:
            due = due.filter(group_key=group_key)
        ids = list(
            due.order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        OutboundJob.objects.filter(id__in=ids, state=State.PENDING).update(
            state=State.RUNNING,
            claim_token=token,
            lease_expires_at=now + timedelta(seconds=lease),
            attempts=F("attempts") + 1,
        )
    return list(OutboundJob.objects.filter(claim_token=token, state=State.RUNNING).order_by("id"))


def _error_text(exc: BaseException) -> str:
    """Our own errors carry a message written for ops; anything else is named by its type."""
    own = isinstance(exc, Exception) and is_project_module(type(exc).__module__)
    return (str(exc) if own else f"{type(exc).__name__}: {exc}")[:2000]


def _apply_outcome(job: OutboundJob, policy: JobPolicy, outcome, now: datetime) -> str:
    """Set the job's next state from one outcome; returns the attempt outcome."""
    job.lease_expires_at = None
    job.claim_token = None
    job.lease_expiries = 0  # the try finished: its worker was not lost
    if not isinstance(outcome, BaseException):
        job.state = State.SUCCEEDED
        job.last_error = ""
        job.finished_at = now
        job.needs_attention = False
        return Outcome.SUCCEEDED
    job.last_error = _error_text(outcome)
    if isinstance(outcome, ThrottledError):
        throttled_waits = job.attempts - job.retries_used
        if throttled_waits > policy.max_throttled_waits:
            job.state, job.finished_at = State.FAILED, now
            job.last_error = f"gave up after {throttled_waits} throttled tries: {job.last_error}"
            return Outcome.FAILED
        job.state = State.PENDING
        job.next_attempt_at = now + timedelta(seconds=max(outcome.wait_seconds, 0.5))
        return Outcome.THROTTLED
    if isinstance(outcome, PermanentError):
        job.state, job.finished_at = State.FAILED, now
        return Outcome.FAILED
    if job.retries_used >= policy.max_retries:  # the try that used up the policy is no retry
        job.state, job.finished_at = State.FAILED, now
        return Outcome.FAILED
    job.retries_used += 1
    job.state = State.PENDING
    job.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(job.retries_used))
    return Outcome.RETRY


def run_claimed(jobs: list[OutboundJob], policy: JobPolicy, now: datetime | None = None) -> dict[str, int]:
    """Run one claimed batch through its handler and record the outcomes. Returns counts per outcome
    (``released``: jobs given back unstarted, the task being out of time)."""
    if not jobs:
        return {}
    tokens = {job.pk: job.claim_token for job in jobs}
    started = timezone.now()
    outcomes, durations = _call_handler(policy, jobs)
    now = now or timezone.now()
    not_started = [job for job in jobs if outcomes.get(job.pk) is NOT_STARTED]
    if not_started:
        release(not_started, tokens)
        jobs = [job for job in jobs if outcomes.get(job.pk) is not NOT_STARTED]
    counts = {RELEASED: len(not_started)} if not_started else {}
    if not jobs:
        return counts

    attempts = []
    for job in jobs:
        result = outcomes.get(job.pk)
        outcome = _apply_outcome(job, policy, result, now)
        counts[outcome] = counts.get(outcome, 0) + 1
        attempts.append(
            JobAttempt(
                job_id=job.pk,
                kind=job.kind,
                number=job.attempts,
                started_at=started,
                duration_ms=durations.get(job.pk, 0),
                outcome=outcome,
                error=job.last_error if outcome != Outcome.SUCCEEDED else "",
                result=_json_safe(result) if outcome == Outcome.SUCCEEDED else None,
            )
        )
        if outcome in (Outcome.FAILED, Outcome.RETRY):
            log.warning(
                "outbox.job_failed" if outcome == Outcome.FAILED else "outbox.job_retry",
                extra={"job_id": job.pk, "kind": job.kind, "attempt": job.attempts, "error": job.last_error},
            )

    with transaction.atomic():
        mine = _save_outcomes(jobs, tokens)
        JobAttempt.objects.bulk_create(attempts)
    retry_at = [j.next_attempt_at for j in mine if j.state == State.PENDING]
    if retry_at:
        schedule_wakeup(policy.kind, jobs[0].group_key, min(retry_at))
    return counts


_OUTCOME_FIELDS = (
    "state",
    "last_error",
    "finished_at",
    "next_attempt_at",
    "retries_used",
    "lease_expiries",
    "needs_attention",
)


def _save_outcomes(jobs: list[OutboundJob], tokens: dict) -> list[OutboundJob]:
    """Write the jobs' new states where this worker still holds the claim (a job whose lease expired and
    was taken by another worker is left alone): on PostgreSQL one ``UPDATE ... FROM (VALUES ...)`` for the
    whole batch, the claim checked and the owned rows returned by the same statement, whatever the jobs'
    outcomes and retry times. Runs inside the caller's transaction."""
    if connection.vendor != "postgresql":
        return _save_outcomes_grouped(jobs, tokens)
    fields = [OutboundJob._meta.get_field(name) for name in ("id", "claim_token", *_OUTCOME_FIELDS)]
    row = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"
    params: list = []
    for job in jobs:
        params += [job.pk, tokens[job.pk], *(getattr(job, name) for name in _OUTCOME_FIELDS)]
    q = connection.ops.quote_name
    table = q(OutboundJob._meta.db_table)
    columns = ", ".join(q(f.column) for f in fields)
    assignments = ", ".join(f"{q(name)} = v.{q(name)}" for name in _OUTCOME_FIELDS)
    # only identifiers from the model's meta and placeholders are formatted in: values go as parameters
    sql = (
        f"UPDATE {table} AS j SET {assignments}, lease_expires_at = NULL, claim_token = NULL, updated_at = %s "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(jobs))}) AS v({columns}) "
        "WHERE j.id = v.id AND j.claim_token = v.claim_token AND j.state = %s RETURNING j.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *params, State.RUNNING])
        owned = {pk for (pk,) in cursor.fetchall()}
    return [job for job in jobs if job.pk in owned]


def _save_outcomes_grouped(jobs: list[OutboundJob], tokens: dict) -> list[OutboundJob]:
    """The portable way (SQLite): lock the rows still ours, then one UPDATE per set of equal outcomes."""
    owned = set(
        OutboundJob.objects.select_for_update()
        .filter(pk__in=list(tokens), claim_token__in=set(tokens.values()), state=State.RUNNING)
        .values_list("pk", flat=True)
    )
    groups: dict[tuple, list[int]] = {}
    for job in jobs:
        if job.pk in owned:
            groups.setdefault(tuple(getattr(job, f) for f in _OUTCOME_FIELDS), []).append(job.pk)
    now = timezone.now()
    for values, pks in groups.items():
        OutboundJob.objects.filter(pk__in=pks).update(
            **dict(zip(_OUTCOME_FIELDS, values, strict=True)),
            lease_expires_at=None,
            claim_token=None,
            updated_at=now,
        )
    return [job for job in jobs if job.pk in owned]


def _json_safe(value):
    if value is None or isinstance(value, (dict, list, str, int, float, bool)):
        return value
    return str(value)


NOT_STARTED = object()  # a prefetched job the task had no time left for
RELEASED = "released"  # counted by run_claimed: jobs given back unstarted


def out_of_time() -> bool:
    """The task's time budget (if any) no longer covers one more job's longest call."""
    left = pacing.time_left()
    return left is not None and left < settings.OUTBOX_TASK_TIME_RESERVE_SECONDS


def release(jobs: list[OutboundJob], tokens: dict) -> int:
    """Give back claimed jobs that were not started: due again at once, their claimed try not counted."""
    mine = Q()
    for job in jobs:
        mine |= Q(pk=job.pk, claim_token=tokens[job.pk])
    released = OutboundJob.objects.filter(mine, state=State.RUNNING).update(
        state=State.PENDING,
        attempts=F("attempts") - 1,
        claim_token=None,
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
    log.info("outbox.jobs_released", extra={"kind": jobs[0].kind, "count": released})
    schedule_wakeup(jobs[0].kind, jobs[0].group_key, timezone.now())
    return released


def _call_handler(policy: JobPolicy, jobs: list[OutboundJob]) -> tuple[dict, dict]:
    """Outcomes and durations (ms) per job: one call for a batch handler, one per job otherwise. Jobs a task
    has no time left for are ``NOT_STARTED``."""
    groups = [[job] for job in jobs] if getattr(policy.handler, "per_job", False) else [jobs]
    outcomes, durations = {}, {}
    budget_throttled = False
    for group in groups:
        if outcomes and (out_of_time() or (budget_throttled and pacing.time_left() is not None)):
            # no time left, or the last job could not wait for its slot within the task's time: the next
            # ones would not either; give them back untouched
            outcomes.update({job.pk: NOT_STARTED for job in group})
            continue
        t0 = time.monotonic()
        label = group[0].pk if len(group) == 1 else f"{group[0].pk}+{len(group) - 1}"
        with job_context(label):
            try:
                outcomes.update(policy.handler(group) or {})
            except Exception as exc:  # noqa: BLE001 - every failure becomes an attempt row
                outcomes.update({job.pk: exc for job in group})
        elapsed = int((time.monotonic() - t0) * 1000)
        durations.update({job.pk: elapsed for job in group})
        budget_throttled = any(isinstance(outcomes.get(job.pk), ThrottledError) for job in group)
    return outcomes, durations


def run_due_jobs(
    kind: str | None = None,
    group_key: str | None = None,
    *,
    now: datetime | None = None,
    max_batches: int | None = None,
    time_budget: float | None = None,
) -> int:
    """Run due jobs (of one kind and group, or all) until none is due. Returns the number of jobs run.
    With a ``time_budget`` (a task's timeout, seconds), no job is started and no pacing sleep taken that the
    budget cannot cover, and the claims' leases cover the whole budget."""
    with pacing.time_budget(time_budget):
        return _run_due_jobs(kind, group_key, now, max_batches, time_budget or 0)


def _run_due_jobs(kind, group_key, now, max_batches, min_lease: float) -> int:
    ran = 0
    kinds = [kind] if kind else _due_kinds(now or timezone.now())
    for k in kinds:
        policy = policy_for(k)
        if policy is None:
            log.error("outbox.unknown_kind", extra={"kind": k})
            continue
        batches = 0
        while max_batches is None or batches < max_batches:
            if out_of_time():
                return ran
            batches += 1
            claim_now = now or timezone.now()
            jobs = claim_jobs(k, group_key, policy.claim_size, claim_now, min_lease)
            if not jobs:
                break
            counts = run_claimed(jobs, policy, now=now)
            ran += sum(n for outcome, n in counts.items() if outcome != RELEASED)
            if counts.get(RELEASED):
                return ran  # out of time: the rest is for the next task
    return ran


def _due_kinds(now: datetime) -> list[str]:
    return list(
        OutboundJob.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .values_list("kind", flat=True)
        .distinct()
        .order_by()
    )


def recover_expired_leases(now: datetime | None = None) -> int:
    """A job whose worker died stays RUNNING past its lease: record the lost try and make it due again.
    A lost worker is not a failed call to the vendor: no retry is spent. A job lost this way
    OUTBOX_LEASE_EXPIRIES_BEFORE_FLAG times in a row (it may be what kills its worker) is flagged for ops and
    held back by the retry delays."""
    now = now or timezone.now()
    with transaction.atomic():
        jobs = list(
            OutboundJob.objects.select_for_update(skip_locked=True).filter(
                state=State.RUNNING, lease_expires_at__lt=now
            )[:1000]
        )
        if not jobs:
            return 0
        attempts = []
        for job in jobs:
            outcome = _apply_lease_expiry(job, now)
            attempts.append(
                JobAttempt(
                    job_id=job.pk,
                    kind=job.kind,
                    number=job.attempts,
                    started_at=now,
                    outcome=outcome,
                    error=job.last_error,
                )
            )
        OutboundJob.objects.bulk_update(
            jobs,
            [
                "state",
                "last_error",
                "finished_at",
                "next_attempt_at",
                "lease_expiries",
                "needs_attention",
                "lease_expires_at",
                "claim_token",
            ],
        )
        JobAttempt.objects.bulk_create(attempts)
    flagged = [job.pk for job in jobs if job.needs_attention]
    log.warning("outbox.leases_expired", extra={"count": len(jobs), "flagged": len(flagged)})
    return len(jobs)


def _apply_lease_expiry(job: OutboundJob, now: datetime) -> str:
    job.lease_expires_at, job.claim_token = None, None
    if policy_for(job.kind) is None:
        job.state, job.last_error, job.finished_at = State.FAILED, f"unknown job kind {job.kind}", now
        return Outcome.FAILED
    job.lease_expiries += 1
    job.state = State.PENDING
    job.last_error = "the worker running this job stopped before it finished (lease expired)"
    job.next_attempt_at = now
    if job.lease_expiries >= settings.OUTBOX_LEASE_EXPIRIES_BEFORE_FLAG:
        job.needs_attention = True
        job.last_error = (
            f"lost its worker {job.lease_expiries} times in a row (lease expired): check what the job does "
            "to its worker (memory, time); it is retried later without spending a retry"
        )
        job.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(job.lease_expiries))
    return Outcome.LEASE_EXPIRED


def schedule_wakeup(kind: str, group_key: str, at: datetime) -> None:
    """A one-off django-q2 schedule that runs the kind when its next retry is due (the sweep is the net)."""
    if settings.Q_CLUSTER.get("sync"):
        return
    from django_q.models import Schedule

    rounded = int(at.timestamp()) // 10 * 10 + 10
    name = f"outbox:{kind[:40]}:{group_key[:30]}@{rounded}"
    if Schedule.objects.filter(name=name).exists():
        return
    Schedule.objects.create(
        name=name,
        func="integration_server.outbox.tasks.run_due_jobs_task",
        args=repr((kind, group_key)),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=datetime.fromtimestamp(rounded, tz=at.tzinfo),
    )


# --- admin actions ------------------------------------------------------------------------------------
def retry_now(job_ids: list[int]) -> int:
    """Make failed, cancelled or waiting jobs due now with a fresh retry budget."""
    now = timezone.now()
    with transaction.atomic():
        jobs = list(
            OutboundJob.objects.select_for_update()
            .filter(pk__in=job_ids)
            .exclude(state__in=[State.RUNNING, State.SUCCEEDED])
        )
        for job in jobs:
            job.state, job.next_attempt_at, job.retries_used, job.finished_at = State.PENDING, now, 0, None
            job.lease_expiries, job.needs_attention = 0, False
        OutboundJob.objects.bulk_update(
            jobs,
            ["state", "next_attempt_at", "retries_used", "finished_at", "lease_expiries", "needs_attention"],
        )
        from integration_server.outbox.enqueue import _dispatch_after_commit

        _dispatch_after_commit(jobs)
    return len(jobs)


def cancel(job_ids: list[int]) -> int:
    return OutboundJob.objects.filter(pk__in=job_ids, state=State.PENDING).update(
        state=State.CANCELLED, finished_at=timezone.now()
    )
