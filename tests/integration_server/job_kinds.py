"""Job kinds used by the outbox's concurrency tests; importable by a worker subprocess too."""

import time

from django.db import connection

from integration_server.outbox import register_job_kind
from integration_server.outbox.registry import single


def _record_run(job):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_job_runs (job_id) VALUES (%s)", [job.pk])
    return {"ok": True}


def _sleep(job):
    time.sleep(job.payload.get("seconds", 60))
    return {"slept": True}


def declare_test_kinds() -> None:
    """Called by the tests (their registrations are undone after each) and by a worker subprocess."""
    register_job_kind("test.record_run", single(_record_run), batch_size=10)
    register_job_kind("test.sleep", single(_sleep), lease_seconds=2)
