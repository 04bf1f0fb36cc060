"""The outbox on real PostgreSQL with real concurrency: exactly once, and recovery from a killed worker."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox.runner import recover_expired_leases, run_due_jobs
from tests.concurrency import run_concurrently

from .job_kinds import declare_test_kinds

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _test_kinds():
    declare_test_kinds()


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runs_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS test_job_runs (job_id bigint NOT NULL)")
        cursor.execute("TRUNCATE test_job_runs")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS test_job_runs")


def test_1000_jobs_two_workers_each_runs_exactly_once(runs_table):
    past = timezone.now() - timedelta(seconds=1)
    OutboundJob.objects.bulk_create(
        [OutboundJob(kind="test.record_run", payload={"n": n}, next_attempt_at=past) for n in range(1000)]
    )
    ran = run_concurrently(*[lambda: run_due_jobs("test.record_run")] * 2)
    assert sum(ran) == 1000
    assert min(ran) > 0, "both workers took part"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT job_id) FROM test_job_runs")
        total, distinct = cursor.fetchone()
    assert (total, distinct) == (1000, 1000)
    assert OutboundJob.objects.filter(state="succeeded").count() == 1000


def test_job_of_a_killed_worker_process_runs_again_after_its_lease():
    job = OutboundJob.objects.create(
        kind="test.sleep", payload={"seconds": 60}, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "integration_server.settings_test",
        "PYTHONPATH": str(ROOT),
    }
    code = (
        "import django; django.setup(); from tests.integration_server.job_kinds import declare_test_kinds; declare_test_kinds(); "
        "from integration_server.outbox.runner import run_due_jobs; run_due_jobs('test.sleep')"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while OutboundJob.objects.get(pk=job.pk).state != "running":
            assert time.monotonic() < deadline, "the worker never claimed the job"
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    assert recover_expired_leases() == 0, "the lease (2 s) has not expired yet"
    time.sleep(2.2)
    assert recover_expired_leases() == 1
    job.refresh_from_db()
    assert job.state == "pending" and job.retries_used == 0  # a lost worker is no failed try
    job.payload = {"seconds": 0}
    job.save(update_fields=["payload"])
    assert run_due_jobs("test.sleep") == 1
    job.refresh_from_db()
    assert job.state == "succeeded"
    assert list(job.attempt_rows.order_by("number").values_list("outcome", flat=True)) == [
        "lease_expired",
        "succeeded",
    ]
