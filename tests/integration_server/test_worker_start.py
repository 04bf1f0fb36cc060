"""The worker writes its own heartbeat and sweeps on start-up: under repeated restarts the django-q scheduler
(which starts 30 s after the cluster) may never run, and neither would a scheduled sweep."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.signals import post_spawn

from integration_server.models import JobAttempt, OutboundJob, WorkerHeartbeat
from integration_server.outbox import enqueue_job, worker_life

from .job_kinds import declare_test_kinds


@pytest.mark.django_db
def test_a_spawned_worker_beats_and_sweeps_at_once(monkeypatch):
    declare_test_kinds()  # undone after the test by the registry plugin
    monkeypatch.setattr(worker_life, "start_heartbeat_thread", lambda: None)  # the thread: next test
    job = enqueue_job("test.sleep", {"seconds": 0}, run_at=timezone.now() - timedelta(minutes=5))
    OutboundJob.objects.filter(pk=job.pk).update(
        state="running", attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    worker_life.on_worker_spawn(sender="django_q", proc_name="Process-1:1")  # what post_spawn runs

    beat = WorkerHeartbeat.objects.get(name="worker").beat_at
    assert beat > timezone.now() - timedelta(seconds=30)
    assert JobAttempt.objects.filter(job=job, outcome="lease_expired").exists()  # recovered at start-up
    job.refresh_from_db()
    assert job.state == "succeeded"  # and dispatched by the start-up sweep (tasks run inline in tests)


@pytest.mark.django_db
def test_spawn_is_connected_and_skipped_in_sync_mode_where_each_task_spawns_inline(monkeypatch, settings):
    ran = []
    monkeypatch.setattr(worker_life, "on_worker_spawn", lambda *a, **k: ran.append(a))
    post_spawn.send(sender="django_q", proc_name="sync")
    assert ran == []
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert len(ran) == 1


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_writes_while_the_worker_lives(settings):
    settings.WORKER_HEARTBEAT_SECONDS = 0.05
    stop = worker_life.start_heartbeat_thread()
    try:
        deadline = time.monotonic() + 20
        while not WorkerHeartbeat.objects.filter(name="worker").exists():
            assert time.monotonic() < deadline, "no heartbeat written"
            time.sleep(0.05)
        first = WorkerHeartbeat.objects.get(name="worker").beat_at
        while WorkerHeartbeat.objects.get(name="worker").beat_at == first:
            assert time.monotonic() < deadline, "the heartbeat is not renewed"
            time.sleep(0.05)
    finally:
        stop.set()
