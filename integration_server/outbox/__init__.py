"""The transactional outbox: jobs written with the change that needs them, run by workers with retries.

Public API: ``job_kind`` / ``batch_job_kind`` (declare a kind on its handler), ``enqueue_job``, ``JobPolicy``, and the typed errors of
``integration_server.http.errors`` that handlers raise.
"""

from integration_server.outbox.enqueue import enqueue_job, enqueue_jobs
from integration_server.outbox.registry import JobPolicy, batch_job_kind, job_kind, register_job_kind

__all__ = ["JobPolicy", "batch_job_kind", "enqueue_job", "enqueue_jobs", "job_kind", "register_job_kind"]
