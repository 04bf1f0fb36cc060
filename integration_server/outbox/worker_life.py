"""What a django-q worker process does for the outbox by itself, without waiting for the scheduler (which
starts 30 s after the cluster, and under repeated restarts may never run): on start, a heartbeat and a sweep
(leases of killed workers recovered, due jobs dispatched); while it lives, a heartbeat thread that also runs
the sweep when no scheduled sweep has succeeded for a while."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integration_server.models import ScheduleRun, WorkerHeartbeat

log = logging.getLogger(__name__)
_started: threading.Event | None = None


def beat() -> None:
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


def sweep_if_overdue() -> None:
    """The scheduled sweep runs every minute; when it has not succeeded for two, the worker runs it."""
    from integration_server.outbox.tasks import sweep

    last = ScheduleRun.objects.filter(name="outbox-sweep").values_list("last_success_at", flat=True).first()
    if last is None or (timezone.now() - last).total_seconds() > 120:
        sweep()


def on_worker_spawn(sender=None, proc_name: str = "", **kwargs) -> None:
    from integration_server.outbox.tasks import sweep

    try:
        beat()
        sweep()
    except Exception:  # noqa: BLE001 - a worker must start even if the database is briefly away
        log.warning("outbox.startup_sweep_failed", exc_info=True)
    start_heartbeat_thread()


def start_heartbeat_thread() -> threading.Event:
    """One daemon thread per worker process; returns the event that stops it."""
    global _started
    if _started is not None and not _started.is_set():
        return _started
    stop = threading.Event()
    _started = stop

    def run():
        every = settings.WORKER_HEARTBEAT_SECONDS
        try:
            while not stop.wait(every):
                try:
                    beat()
                    sweep_if_overdue()
                except Exception:  # noqa: BLE001 - the next beat tries again
                    log.warning("outbox.heartbeat_failed", exc_info=True)
                    connection.close()
        finally:
            connection.close()

    threading.Thread(target=run, name="worker-heartbeat", daemon=True).start()
    return stop


def _on_post_spawn(sender=None, proc_name: str = "", **kwargs) -> None:
    # In sync mode (tests, Q_SYNC) django-q "spawns" a worker inline for every task: not a worker start,
    # and sweeping there would dispatch tasks that spawn again.
    if settings.Q_CLUSTER.get("sync"):
        return
    on_worker_spawn(sender, proc_name)


def connect() -> None:
    from django_q.signals import post_spawn

    post_spawn.connect(_on_post_spawn, dispatch_uid="integration_server.worker_spawn")
