"""/healthz during an intake stall: the age of the oldest due job per kind, and a stalled pull per account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.models import OutboundJob, WorkerHeartbeat
from integration_server.outbox import register_job_kind
from integration_server.outbox.registry import single
from marketplaces.models import MarketplaceAccount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def live_worker():
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now())


def test_a_10_minute_intake_stall_with_582_due_jobs_is_a_503_naming_the_kind(client):
    register_job_kind("test.stalled", single(lambda job: None))
    register_job_kind("test.fresh", single(lambda job: None))
    now = timezone.now()
    OutboundJob.objects.bulk_create(
        [
            OutboundJob(
                kind="test.stalled", next_attempt_at=now - timedelta(minutes=11) + timedelta(seconds=n)
            )
            for n in range(582)
        ]
        + [OutboundJob(kind="test.fresh", next_attempt_at=now - timedelta(seconds=5))]
    )
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["due_jobs_by_kind"]["test.stalled"]["count"] == 582
    assert body["due_jobs_by_kind"]["test.stalled"]["oldest_age_s"] >= 600
    assert body["due_jobs_by_kind"]["test.fresh"]["oldest_age_s"] < 60
    assert any("test.stalled" in p for p in body["problems"])
    assert not any("test.fresh" in p for p in body["problems"])


def test_an_account_whose_pull_is_stalled_is_a_problem(client):
    now = timezone.now()
    stalled = MarketplaceAccount.objects.create(
        channel="amazon", name="Stalled", orders_watermark=now - timedelta(minutes=45)
    )
    MarketplaceAccount.objects.create(
        channel="amazon", name="Fine", orders_watermark=now - timedelta(minutes=4)
    )
    MarketplaceAccount.objects.create(
        channel="amazon", name="Off", enabled=False, orders_watermark=now - timedelta(days=3)
    )
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["order_pulls"]["Stalled"]["behind_min"] >= 45
    assert any("Stalled" in p and "behind" in p for p in body["problems"])
    assert not any("Fine" in p or "Off" in p for p in body["problems"])
    MarketplaceAccount.objects.filter(pk=stalled.pk).update(orders_watermark=now)
    assert client.get("/healthz").status_code == 200
