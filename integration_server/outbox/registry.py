"""Job kinds and their retry policy (SPEC 4), declared on their handlers.

One style for every kind: ``<area>.<action>`` in snake case, the area being a domain (``orders``, ``stock``)
or the system the job calls (``shipstation``), the action what it does (``create_order``); the job that
processes an inbound webhook is ``webhook.<source>`` (``integration_server.raw_payloads.webhook_job_kind``).
The handler's module declares the kind next to it, and its AppConfig.ready() imports that module:

    CREATE_KIND = "shipstation.create_order"

    @batch_job_kind(CREATE_KIND, retries=3, batch=100)
    def create_orders_handler(jobs): ...

    @job_kind(PUSH_TRACKING_KIND, retries=5)
    def push_tracking(job): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integration_server.restorable import restorable

# A handler takes the claimed jobs (one, or a batch of one kind and group) and returns, per job id, either
# a JSON-able result (success) or an exception (that job's failure). Raising fails every job of the batch.
Handler = Callable[[list], dict]


@dataclass(frozen=True)
class JobPolicy:
    kind: str
    handler: Handler
    max_retries: int = 3
    batch_size: int = 1
    lease_seconds: int | None = None
    max_throttled_waits: int = 50
    description: str = ""

    @property
    def claim_size(self) -> int:
        """Jobs claimed per round trip: the batch, or for one-by-one handlers a few (fewer commits)."""
        if self.batch_size > 1 or not getattr(self.handler, "per_job", False):
            return self.batch_size
        return SINGLE_JOB_PREFETCH


SINGLE_JOB_PREFETCH = 10
_REGISTRY: dict[str, JobPolicy] = restorable({})


def register_job_kind(
    kind: str,
    handler: Handler,
    *,
    max_retries: int = 3,
    batch_size: int = 1,
    lease_seconds: int | None = None,
    description: str = "",
) -> JobPolicy:
    policy = JobPolicy(
        kind=kind,
        handler=handler,
        max_retries=max_retries,
        batch_size=batch_size,
        lease_seconds=lease_seconds,
        description=description,
    )
    _REGISTRY[kind] = policy
    return policy


def job_kind(kind: str, *, retries: int = 3, batch: int = 1, lease_seconds: int | None = None):
    """Declare ``kind`` on its handler ``fn(job) -> result``: one job per call (``batch`` jobs may be
    claimed together, each still succeeds or fails alone). Returns the function unchanged."""

    def declare(fn: Callable) -> Callable:
        register_job_kind(
            kind,
            single(fn),
            max_retries=retries,
            batch_size=batch,
            lease_seconds=lease_seconds,
            description=docstring_summary(fn),
        )
        return fn

    return declare


def batch_job_kind(kind: str, *, retries: int = 3, batch: int, lease_seconds: int | None = None):
    """Declare ``kind`` on its batch handler ``fn(jobs) -> {job id: result or exception}`` (up to ``batch``
    jobs of one kind and group per call). Returns the function unchanged."""

    def declare(fn: Handler) -> Handler:
        register_job_kind(
            kind,
            fn,
            max_retries=retries,
            batch_size=batch,
            lease_seconds=lease_seconds,
            description=docstring_summary(fn),
        )
        return fn

    return declare


def docstring_summary(fn: Callable) -> str:
    """The handler's docstring up to its first full stop: the kind's description."""
    text = " ".join((fn.__doc__ or "").split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def single(fn: Callable) -> Handler:
    """Adapt ``fn(job) -> result`` to the batch handler signature."""

    def handler(jobs):
        outcomes = {}
        for job in jobs:
            try:
                outcomes[job.pk] = fn(job)
            except Exception as exc:  # noqa: BLE001 - the runner classifies it
                outcomes[job.pk] = exc
        return outcomes

    handler.__name__ = getattr(fn, "__name__", "handler")
    handler.per_job = True  # the runner may claim several and times each one
    return handler


def policy_for(kind: str) -> JobPolicy | None:
    return _REGISTRY.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_REGISTRY)
