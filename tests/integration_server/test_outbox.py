from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
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
    assert job.retries_used == 5  # the try that used up the policy is no retry
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


def _kill_worker_holding(kind, now):
    """A worker claims the due jobs of ``kind`` and dies: their lease runs out, the sweep recovers them."""
    from integration_server.outbox.registry import policy_for
    from integration_server.outbox.runner import claim_jobs

    claimed = claim_jobs(kind, None, policy_for(kind).claim_size, now)
    assert claimed, "nothing was due"
    after_lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    assert recover_expired_leases(after_lease) == len(claimed)
    return after_lease


def test_a_job_whose_worker_is_killed_5_times_still_succeeds_with_retries_unspent():
    job = enqueue_job("test.three", {"script": "k"}, run_at=timezone.now() - timedelta(seconds=1))
    now = timezone.now()
    for _ in range(5):
        now = _kill_worker_holding("test.three", now)
        job.refresh_from_db()
        assert (job.state, job.retries_used) == ("pending", 0)
        now = max(now, job.next_attempt_at)
    assert run_due_jobs("test.three", now=now) == 1
    job.refresh_from_db()
    assert (job.state, job.retries_used, job.attempts) == ("succeeded", 0, 6)
    assert list(job.attempt_rows.order_by("number").values_list("outcome", flat=True)) == [
        "lease_expired"
    ] * 5 + ["succeeded"]
    assert job.lease_expiries == 0  # reset by a finished try


def test_a_prefetch_of_10_lost_with_its_worker_charges_no_retry():
    past = timezone.now() - timedelta(seconds=1)
    jobs = [enqueue_job("test.scripted", {"script": f"p{n}"}, run_at=past) for n in range(10)]
    _kill_worker_holding("test.scripted", timezone.now())
    states = set(OutboundJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("state", "retries_used"))
    assert states == {("pending", 0)}


@override_settings(OUTBOX_LEASE_EXPIRIES_BEFORE_FLAG=3)
def test_a_job_lost_with_its_worker_n_times_in_a_row_is_flagged_for_ops_not_failed():
    job = enqueue_job("test.three", {"script": "poison"}, run_at=timezone.now() - timedelta(seconds=1))
    now = timezone.now()
    for expected_flag in (False, False, True):
        now = _kill_worker_holding("test.three", now)
        job.refresh_from_db()
        assert (job.needs_attention, job.state, job.retries_used) == (expected_flag, "pending", 0)
        now = max(now, job.next_attempt_at)
    assert "lost its worker 3 times in a row" in job.last_error
    assert job.next_attempt_at > now - timedelta(seconds=1)  # held back, so a poison job cannot loop fast
    from integration_server.health import collect_health

    assert any("worker" in p and "in a row" in p for p in collect_health()["problems"])
    assert run_due_jobs("test.three", now=job.next_attempt_at) == 1
    job.refresh_from_db()
    assert (job.state, job.needs_attention, job.lease_expiries) == ("succeeded", False, 0)


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


def test_a_batch_writes_its_outcomes_in_one_update_whatever_their_times(job_kinds):
    """Jobs of one batch ending differently (successes, retries due at distinct times, a failure) are
    written by one UPDATE, and the claim is checked in that same statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def handler(jobs):
        out = {}
        for j in jobs:
            n = j.payload["n"]
            out[j.pk] = (
                {"n": n}
                if n % 3 == 0
                else ThrottledError(wait_seconds=n)
                if n % 3 == 1
                else PermanentError(f"bad {n}")
            )
        return out

    job_kinds.register("test.outcomes", handler, batch_size=30)
    past = timezone.now() - timedelta(seconds=1)
    for n in range(30):
        enqueue_job("test.outcomes", {"n": n}, run_at=past)
    with CaptureQueriesContext(connection) as ctx:
        run_due_jobs("test.outcomes", max_batches=1)
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "integration_server_')]
    outcome_updates = [q for q in updates if "claim_token" in q and "RETURNING" in q.upper()]
    assert len(updates) == 2, updates  # the claim, then the outcomes
    assert len(outcome_updates) == 1
    rows = dict(OutboundJob.objects.filter(kind="test.outcomes").values_list("payload__n", "state"))
    assert [rows[n] for n in range(6)] == ["succeeded", "pending", "failed"] * 2
    waits = {
        j.payload["n"]: round((j.next_attempt_at - j.updated_at).total_seconds())
        for j in OutboundJob.objects.filter(kind="test.outcomes", state="pending")
    }
    assert waits[1] == 1 and waits[4] == 4 and waits[28] == 28
    assert JobAttempt.objects.filter(kind="test.outcomes").count() == 30
