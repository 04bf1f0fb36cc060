"""A django-q task has a timeout (Q_CLUSTER["timeout"]): a task working through prefetched jobs whose calls
sleep for a vendor's budget must stop taking jobs while it still has time, and give the rest back at once
(not leave them RUNNING until a lease expires). The lease of a claim covers the task's timeout."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from integration_server.http import pacing
from integration_server.models import JobAttempt, OutboundJob
from integration_server.outbox import enqueue_job, register_job_kind
from integration_server.outbox.registry import single
from integration_server.outbox.runner import run_due_jobs

pytestmark = pytest.mark.django_db

TASK_TIMEOUT = 90


class FakeClock:
    def __init__(self):
        self.offset = 0.0
        self.started: dict[int, float] = {}

    def now(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return 1000.0 + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch, settings):
    settings.HTTP_PACING_ENABLED = True
    settings.HTTP_MAX_PACING_SLEEP_SECONDS = 20
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": TASK_TIMEOUT}
    settings.OUTBOX_TASK_TIME_RESERVE_SECONDS = 35
    fake = FakeClock()

    class _Tz:
        now = staticmethod(fake.now)

    monkeypatch.setattr(pacing, "timezone", _Tz)
    monkeypatch.setattr(pacing, "clock", fake.monotonic)
    monkeypatch.setattr(pacing.time, "sleep", fake.sleep)
    return fake


def test_a_task_whose_calls_sleep_for_the_budget_stops_in_time_and_gives_back_the_rest(clock):
    def slow_vendor_call(job):
        clock.started[job.pk] = clock.offset
        pacing.wait_for_slot("vendor:slow", per_minute=3)  # one call per 20 s
        clock.sleep(2)  # the call itself
        return {"ok": True}

    register_job_kind("test.paced", single(slow_vendor_call), max_retries=3)
    past = timezone.now() - timedelta(seconds=1)
    jobs = [enqueue_job("test.paced", {"n": n}, run_at=past) for n in range(10)]

    run_due_jobs("test.paced", time_budget=TASK_TIMEOUT)

    assert clock.offset < TASK_TIMEOUT, "the task would have been killed"
    assert all(started <= TASK_TIMEOUT - 35 for started in clock.started.values())
    rows = OutboundJob.objects.filter(pk__in=[j.pk for j in jobs])
    assert not rows.filter(state="running").exists(), "no job waits for a lease"
    assert set(rows.values_list("retries_used", flat=True)) == {0}
    assert rows.filter(state="succeeded").count() >= 2
    assert set(rows.exclude(state="succeeded").values_list("state", flat=True)) == {"pending"}
    untouched = rows.filter(state="pending", attempts=0)
    assert untouched.exists()  # given back before their try: no attempt counted, none recorded
    assert not JobAttempt.objects.filter(job__in=untouched).exists()
    assert (
        untouched.filter(claim_token__isnull=True, lease_expires_at__isnull=True).count() == untouched.count()
    )


def test_the_lease_of_a_job_run_by_a_task_covers_the_task_timeout(settings):
    from integration_server.outbox.tasks import run_due_jobs_task

    leases = []

    def record_lease(job):
        leases.append(OutboundJob.objects.get(pk=job.pk).lease_expires_at)

    register_job_kind("test.short_lease", single(record_lease), lease_seconds=10)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": TASK_TIMEOUT}
    enqueue_job("test.short_lease", {}, run_at=timezone.now() - timedelta(seconds=1))
    before = timezone.now()
    assert run_due_jobs_task("test.short_lease") == 1
    assert leases[0] >= before + timedelta(seconds=TASK_TIMEOUT)
