"""Writing jobs: inside the caller's transaction; the worker is poked after commit."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
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
    """One worker poke per (kind, group) after commit; the sweep catches anything this misses."""
    groups = {(j.kind, j.group_key) for j in jobs if j.next_attempt_at <= timezone.now()}
    for kind, group in groups:
        poke_after_commit(kind, group)


def poke_after_commit(kind: str, group_key: str = "") -> None:
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: poke(kind, group_key))
    else:
        poke(kind, group_key)  # autocommit: already committed (what on_commit would do, for less)


class PokeCoalescer:
    """At most one poke per key (kind, group) per ``interval`` in this process. A poke inside the interval
    is not lost: one deferred poke is sent when the interval ends, however many arrived meanwhile."""

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic, later=None):
        self.interval = interval
        self.clock = clock
        self.later = later or _on_the_poke_thread
        self._lock = threading.Lock()
        self._last: dict[tuple, float] = {}
        self._waiting: set[tuple] = set()

    def poke(self, key: tuple, send: Callable[[], None]) -> None:
        with self._lock:
            now = self.clock()
            last = self._last.get(key)
            if last is None or now - last >= self.interval:
                self._last[key] = now
                delay = None
            elif key in self._waiting:
                return
            else:
                self._waiting.add(key)
                delay = self.interval - (now - last)
        if delay is None:
            send()
        else:
            self.later(delay, lambda: self._deferred(key, send))

    def _deferred(self, key: tuple, send: Callable[[], None]) -> None:
        with self._lock:
            self._waiting.discard(key)
            self._last[key] = self.clock()
        send()


IDLE_CONNECTION_SECONDS = 60  # the poke thread closes its connection after this long without a poke


class _OneThreadLater:
    """``later(delay, fn)``: runs ``fn`` after ``delay`` seconds on one daemon thread of the process, which
    keeps its database connection between calls (closed when unusable, older than CONN_MAX_AGE, or idle for
    IDLE_CONNECTION_SECONDS). A thread per call opened a new connection each time: a PostgreSQL backend
    started and dropped every second under load. A call lost at exit is a poke lost: the sweep re-dispatches
    the job."""

    def __init__(self):
        self._due: list[tuple[float, int, Callable[[], None]]] = []  # a heap of (at, order, fn)
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def __call__(self, delay: float, fn: Callable[[], None]) -> None:
        with self._ready:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), fn))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-poke", daemon=True)
                self._thread.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._due or self._due[0][0] > time.monotonic():
                    if self._due:
                        self._ready.wait(self._due[0][0] - time.monotonic())
                    elif not self._ready.wait(IDLE_CONNECTION_SECONDS):
                        connections.close_all()  # nothing to do for a while: no idle connection kept
                fn = heapq.heappop(self._due)[2]
            try:
                fn()
            except Exception:  # noqa: BLE001 - the sweep re-dispatches; never end the thread
                log.warning("outbox.deferred_poke_failed", exc_info=True)
            finally:
                close_old_connections()


_on_the_poke_thread = _OneThreadLater()


_pokes = PokeCoalescer()


def _runs_inline() -> bool:
    return bool(settings.Q_CLUSTER.get("sync"))


def poke(kind: str, group_key: str = "") -> None:
    """Ask a worker to run due jobs of (kind, group): coalesced per process, at once when tasks run inline."""
    if _runs_inline():
        dispatch(kind, group_key)
        return
    _pokes.poke((kind, group_key), lambda: dispatch(kind, group_key))


def dispatch(kind: str, group_key: str = "") -> None:
    from django_q.tasks import async_task

    try:
        async_task("integration_server.outbox.tasks.run_due_jobs_task", kind, group_key, q_options={})
    except Exception:  # noqa: BLE001 - the sweep will run the job; never fail the caller's commit
        log.warning("outbox.dispatch_failed", extra={"kind": kind}, exc_info=True)
