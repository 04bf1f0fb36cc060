from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from integration_server.models import JobAttempt, OutboundJob
from integration_server.outbox import enqueue_job
from integration_server.outbox.backoff import retry_delay_seconds
from integration_server.outbox.registry import single
from integration_server.outbox.runner import recover_expired_leases, retry_now, run_due_jobs

pytestmark = pytest.mark.django_db

CALLS: list[int] = []
BEHAVIOUR: dict[str, list] = {}


def _scripted(job):
    """Raises the next scripted outcome of this job's script, or succeeds."""
    CALLS.append(job.pk)
    script = BEHAVIOUR.get(job.payload["script"], [])
    if script:
        outcome = script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
    return {"ok": True}


@pytest.fixture(autouse=True)
def _reset(job_kinds):
    job_kinds.register("test.scripted", single(_scripted), max_retries=5)
    job_kinds.register("test.three", single(_scripted), max_retries=3)
    CALLS.clear()
    BEHAVIOUR.clear()


def test_delays_are_30_60_120_240_300():
    assert [retry_delay_seconds(n) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def _run_until_done(job, start):
    """Run the job each time it is due; returns the waits between tries."""
    now = start
    waits = []
    for _ in range(20):
        run_due_jobs("test.scripted", now=now)
        job.refresh_from_db()
        if job.state != OutboundJob.State.PENDING:
            return waits
        waits.append(round((job.next_attempt_at - now).total_seconds()))
        now = job.next_attempt_at
    raise AssertionError("job never finished")


def test_retryable_errors_back_off_then_fail_after_the_policy():
    BEHAVIOUR["s"] = [RetryableError("down")] * 10
    job = enqueue_job("test.scripted", {"script": "s"}, run_at=timezone.now() - timedelta(seconds=1))
    waits = _run_until_done(job, timezone.now())
    assert waits == [30, 60, 120, 240, 300]
    assert job.state == OutboundJob.State.FAILED
    assert job.attempts == 6  # the first try + 5 retries
    assert "down" in job.last_error
    assert list(job.attempt_rows.order_by("number").values_list("outcome", flat=True)) == ["retry"] * 5 + [
        "failed"
    ]


def test_throttled_answer_waits_as_told_and_spends_no_retry():
    BEHAVIOUR["s"] = [ThrottledError(wait_seconds=7)] * 8 + [RetryableError("x")]
    job = enqueue_job("test.scripted", {"script": "s"}, run_at=timezone.now() - timedelta(seconds=1))
    waits = _run_until_done(job, timezone.now())
    assert waits == [7] * 8 + [30]
    assert job.state == OutboundJob.State.SUCCEEDED
    assert job.retries_used == 1


def test_permanent_error_stops_at_once():
    BEHAVIOUR["s"] = [PermanentError("bad address", status=400)]
    job = enqueue_job("test.scripted", {"script": "s"}, run_at=timezone.now() - timedelta(seconds=1))
    _run_until_done(job, timezone.now())
    assert job.state == OutboundJob.State.FAILED
    assert job.attempts == 1
    assert "bad address" in job.last_error


def test_dedupe_key_makes_one_job():
    a = enqueue_job("test.three", {"script": "x"}, dedupe_key="order-1")
    b = enqueue_job("test.three", {"script": "x"}, dedupe_key="order-1")
    assert a.pk == b.pk
    assert OutboundJob.objects.filter(kind="test.three").count() == 1


def test_job_of_a_dead_worker_runs_again_after_its_lease():
    job = enqueue_job("test.three", {"script": "lease"}, run_at=timezone.now() - timedelta(seconds=1))
    # a worker claimed it and died: RUNNING with a lease in the past
    OutboundJob.objects.filter(pk=job.pk).update(
        state=OutboundJob.State.RUNNING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert run_due_jobs("test.three") == 0  # not due while RUNNING
    assert recover_expired_leases() == 1
    assert run_due_jobs("test.three") == 1
    job.refresh_from_db()
    assert job.state == OutboundJob.State.SUCCEEDED
    assert list(job.attempt_rows.order_by("number").values_list("outcome", flat=True)) == [
        "lease_expired",
        "succeeded",
    ]


def test_running_job_with_a_live_lease_is_not_taken():
    job = enqueue_job("test.three", {"script": "live"})
    OutboundJob.objects.filter(pk=job.pk).update(
        state=OutboundJob.State.RUNNING, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert recover_expired_leases() == 0
    assert run_due_jobs("test.three") == 0


def test_retry_now_gives_a_failed_job_a_fresh_budget():
    BEHAVIOUR["s"] = [PermanentError("nope")]
    job = enqueue_job("test.scripted", {"script": "s"}, run_at=timezone.now() - timedelta(seconds=1))
    run_due_jobs("test.scripted")
    job.refresh_from_db()
    assert job.state == OutboundJob.State.FAILED
    assert retry_now([job.pk]) == 1
    run_due_jobs("test.scripted")
    job.refresh_from_db()
    assert job.state == OutboundJob.State.SUCCEEDED
    assert JobAttempt.objects.filter(job=job).count() == 2


def test_on_commit_dispatch_runs_the_job(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue_job("test.three", {"script": "now"})
    job.refresh_from_db()
    assert job.state == OutboundJob.State.SUCCEEDED


def test_batch_handler_gets_jobs_of_one_group_together(job_kinds):
    batches = []

    def handler(jobs):
        batches.append(sorted(j.payload["n"] for j in jobs))
        return {j.pk: {"n": j.payload["n"]} for j in jobs}

    job_kinds.register("test.batch", handler, batch_size=100)
    past = timezone.now() - timedelta(seconds=1)
    for n in range(250):
        enqueue_job("test.batch", {"n": n}, group_key="acct-1", run_at=past)
    enqueue_job("test.batch", {"n": 999}, group_key="acct-2", run_at=past)
    run_due_jobs("test.batch", "acct-1")
    assert [len(b) for b in batches] == [100, 100, 50]
    assert OutboundJob.objects.filter(kind="test.batch", state="succeeded").count() == 250
    assert OutboundJob.objects.get(kind="test.batch", group_key="acct-2").state == "pending"
