"""Job kinds and their retry policy (SPEC 4). Apps register their kinds in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
_REGISTRY: dict[str, JobPolicy] = {}


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
