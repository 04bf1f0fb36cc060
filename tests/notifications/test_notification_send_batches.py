"""The send handler works on the claimed batch: the records in one query, the sent ones marked in one
UPDATE, delivery events looked up once per batch; one failure in a batch fails only its own email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox.registry import policy_for
from integration_server.outbox.runner import claim_jobs, run_due_jobs
from logistics.models import TrackedShipment
from logistics.tracking.events import StatusChange
from notifications.models import Notification
from notifications.services.records import SEND_JOB, notify_status_changes
from tests.notifications import flaky_backend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def make_records(shop, count: int, start: int = 0) -> list[Notification]:
    shipments = TrackedShipment.objects.bulk_create(
        [
            TrackedShipment(
                tracking_number=f"1ZBATCH{n:04d}",
                shop=shop,
                order_number=f"#{n}",
                recipient_email=f"c{n}@example.com",
                customer_name="Sam",
                carrier="UPS",
                status="delivered",
            )
            for n in range(start, start + count)
        ]
    )
    when = timezone.now() - timedelta(hours=1)
    notify_status_changes([StatusChange(shipment=s, status="delivered", event_at=when) for s in shipments])
    return list(Notification.objects.filter(tracking_number__in=[s.tracking_number for s in shipments]))


def handler_queries(django_assert_num_queries, expected: int):
    jobs = claim_jobs(SEND_JOB, None, 100, timezone.now())
    with django_assert_num_queries(expected) as captured:
        outcomes = policy_for(SEND_JOB).handler(jobs)
    return jobs, outcomes, captured


def test_a_batch_is_three_queries_whatever_its_size(shop, anymail_test_backend, django_assert_num_queries):
    make_records(shop, 10)
    jobs, outcomes, captured = handler_queries(django_assert_num_queries, 3)
    # load the records; mark the sent ones; look for delivery events that arrived before their message id
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sqls[0].startswith("SELECT") and sqls[1].startswith("UPDATE") and sqls[2].startswith("SELECT")
    assert len(jobs) == 10 and len(anymail_test_backend) == 10
    assert all(isinstance(o, dict) and "sent" in o for o in outcomes.values())
    sent = Notification.objects.filter(state="sent")
    assert sent.count() == 10
    for record in sent:
        assert record.attempts == 1 and record.sent_at and record.error == ""
        assert record.subject.endswith("was delivered. How did it go?")
        assert record.provider_message_id  # each its own id
    assert len({r.provider_message_id for r in sent}) == 10


def test_the_worker_claims_ten_per_batch_with_the_same_queries_for_2_and_10(
    shop, anymail_test_backend, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_records(shop, 2)
    with CaptureQueriesContext(connection) as two:
        assert run_due_jobs(SEND_JOB, max_batches=1) == 2
    make_records(shop, 10, start=100)
    with CaptureQueriesContext(connection) as ten:
        assert run_due_jobs(SEND_JOB, max_batches=1) == 10
    assert len(ten.captured_queries) == len(two.captured_queries)
    assert len(anymail_test_backend) == 12


def test_early_delivery_events_are_attached_in_the_batch(shop, anymail_test_backend):
    make_records(shop, 3)
    # the test ESP's message ids are positions in its outbox: "1" will be the second email of the batch
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type="delivered",
            message_id="1",
            recipient=None,
            event_id="early-1",
            timestamp=timezone.now(),
        ),
        esp_name="TestESP",
    )
    run_due_jobs(SEND_JOB)
    states = sorted(Notification.objects.values_list("state", flat=True))
    assert states == ["delivered", "sent", "sent"]
    assert Notification.objects.get(state="delivered").events.count() == 1


def test_one_failure_in_a_batch_fails_only_its_own_email(shop, settings):
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FlakyEmailBackend"
    flaky_backend.SCRIPT[:] = ["ok", "api_error", "refused", "ok"]
    try:
        records = make_records(shop, 4)
        run_due_jobs(SEND_JOB)
    finally:
        flaky_backend.SCRIPT.clear()
    by_state = {}
    for record in Notification.objects.filter(pk__in=[r.pk for r in records]):
        by_state.setdefault(record.state, []).append(record)
    assert len(by_state["sent"]) == 2 and len(by_state["failed"]) == 2
    assert all(r.attempts == 1 for rs in by_state.values() for r in rs)
    errors = sorted(r.error for r in by_state["failed"])
    assert "ESP answered 503" in errors[0] and "recipient refused" in errors[1]
    jobs = {j.payload["notification_id"]: j for j in OutboundJob.objects.filter(kind=SEND_JOB)}
    assert sorted(j.state for j in jobs.values()) == ["failed", "pending", "succeeded", "succeeded"]


def test_a_record_already_sent_is_skipped(shop, anymail_test_backend):
    [record] = make_records(shop, 1)
    Notification.objects.filter(pk=record.pk).update(state="sent")
    run_due_jobs(SEND_JOB)
    assert anymail_test_backend == []
    job = OutboundJob.objects.get(kind=SEND_JOB)
    assert job.state == "succeeded" and job.result == {"skipped": "sent"}
