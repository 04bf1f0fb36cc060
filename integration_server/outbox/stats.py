"""Figures about outbound jobs that the alerts and the admin read."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from integration_server.models import JobAttempt

FAILED_OUTCOMES = (JobAttempt.Outcome.RETRY, JobAttempt.Outcome.FAILED, JobAttempt.Outcome.LEASE_EXPIRED)


def failures_per_kind(since: datetime | None = None, kinds: list[str] | None = None) -> dict[str, int]:
    """Failed attempts per job kind since a time (default: the last hour), in one query. Throttled tries are
    not failures."""
    since = since or timezone.now() - timedelta(hours=1)
    attempts = JobAttempt.objects.filter(started_at__gte=since, outcome__in=FAILED_OUTCOMES)
    if kinds:
        attempts = attempts.filter(kind__in=kinds)
    return dict(attempts.values_list("kind").annotate(n=Count("id")).order_by())
