"""Figures about outbound jobs that the alerts and the admin read."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, CharField, Count, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
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


def failed_subjects_per_kind(since: datetime, subject_keys: dict[str, str]) -> dict[str, int]:
    """Per job kind, how many distinct subjects (the payload key named per kind: an order, a tracking
    package) had at least one failed attempt since a time, in one query. Three failing tries of one order
    count once; throttled tries are not failures; a job without the key counts as its own subject."""
    if not subject_keys:
        return {}
    subject = Case(
        *[
            When(kind=kind, then=Coalesce(KeyTextTransform(key, "job__payload"), Cast("job_id", CharField())))
            for kind, key in subject_keys.items()
        ],
        output_field=CharField(),
    )
    rows = (
        JobAttempt.objects.filter(
            started_at__gte=since, outcome__in=FAILED_OUTCOMES, kind__in=list(subject_keys)
        )
        .values_list("kind")
        .annotate(n=Count(subject, distinct=True))
        .order_by()
    )
    return dict(rows)
