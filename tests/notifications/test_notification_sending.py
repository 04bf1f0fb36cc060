"""Sending through django-anymail: failures recorded and retried by the policy, delivery events from the
provider's tracking webhook onto the records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.utils import timezone

from integration_server.crypto import lookup_hash
from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from logistics.models import TrackedShipment
from logistics.tracking.events import StatusChange
from notifications.models import Notification, NotificationEvent
from notifications.services.records import notify_status_changes, resend
from tests.notifications import flaky_backend
from tests.plugins.notifications import drain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


@pytest.fixture
def delivered_record(shop):
    shipment = TrackedShipment.objects.create(
        tracking_number="1ZSEND0001",
        shop=shop,
        order_number="#2001",
        recipient_email="Mia@Example.com",
        customer_name="Mia",
        carrier="DHL",
        status="delivered",
    )
    notify_status_changes(
        [StatusChange(shipment=shipment, status="delivered", event_at=timezone.now() - timedelta(hours=1))]
    )
    return Notification.objects.get()


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FlakyEmailBackend"
    flaky_backend.SCRIPT.clear()
    yield flaky_backend.SCRIPT
    flaky_backend.SCRIPT.clear()


def test_record_holds_what_customer_service_needs(delivered_record, anymail_test_backend):
    assert delivered_record.state == "pending"
    assert delivered_record.recipient == "Mia@Example.com"
    assert delivered_record.recipient_hash == lookup_hash("mia@example.com")
    drain()
    delivered_record.refresh_from_db()
    assert delivered_record.state == "sent" and delivered_record.attempts == 1
    assert delivered_record.subject == "Fiido Test: your order #2001 was delivered. How did it go?"
    assert delivered_record.provider_message_id == "0"  # the test ESP's id: the position in its outbox
    assert delivered_record.sent_at is not None
    [message] = anymail_test_backend
    assert message.tags == ["delivery_confirm"]
    assert message.anymail_test_params["metadata"] == {"notification_id": str(delivered_record.pk)}
    html = message.alternatives[0][0]
    for expected in (
        "Fiido Test",
        "Hello Mia",
        "#2001",
        "DHL",
        "1ZSEND0001",
        "https://reviews.example/fiido",
    ):
        assert expected in html and expected in message.body


def test_provider_error_leaves_the_record_failed_then_the_retry_sends_it(delivered_record, flaky):
    flaky.extend(["api_error", "api_error"])
    start = timezone.now()
    run_due_jobs("notifications.send_email", now=start)
    delivered_record.refresh_from_db()
    assert delivered_record.state == "failed"
    assert "ESP answered 503" in delivered_record.error
    job = OutboundJob.objects.get(kind="notifications.send_email")
    assert job.state == "pending" and (job.next_attempt_at - start).total_seconds() == pytest.approx(
        30, abs=1
    )
    run_due_jobs("notifications.send_email", now=start + timedelta(seconds=31))
    job.refresh_from_db()
    assert (job.next_attempt_at - start).total_seconds() == pytest.approx(31 + 60, abs=1)
    run_due_jobs("notifications.send_email", now=start + timedelta(seconds=100))
    delivered_record.refresh_from_db()
    job.refresh_from_db()
    assert (delivered_record.state, delivered_record.attempts, delivered_record.error) == ("sent", 3, "")
    assert job.state == "succeeded"


def test_provider_error_every_time_fails_after_five_retries(delivered_record, flaky):
    flaky.extend(["api_error"] * 10)
    now = timezone.now()
    for _ in range(8):
        run_due_jobs("notifications.send_email", now=now)
        now += timedelta(minutes=6)
    job = OutboundJob.objects.get(kind="notifications.send_email")
    delivered_record.refresh_from_db()
    assert job.state == "failed" and job.attempts == 6
    assert delivered_record.state == "failed" and delivered_record.attempts == 6
    assert "ESP answered 503" in delivered_record.error


def test_refused_recipient_fails_at_once(delivered_record, flaky):
    flaky.append("refused")
    drain()
    delivered_record.refresh_from_db()
    assert delivered_record.state == "failed" and "recipient refused" in delivered_record.error
    assert OutboundJob.objects.get(kind="notifications.send_email").attempts == 1


def _event(event_type, message_id, recipient="mia@example.com", event_id=None, **kw):
    return AnymailTrackingEvent(
        event_type=event_type,
        message_id=message_id,
        recipient=recipient,
        event_id=event_id,
        timestamp=timezone.now(),
        **kw,
    )


def test_anymail_delivered_event_marks_the_record_delivered(delivered_record):
    drain()
    delivered_record.refresh_from_db()
    for _ in range(2):  # a replayed webhook changes nothing
        tracking.send(
            sender=object,
            event=_event("delivered", delivered_record.provider_message_id, event_id="ev-1"),
            esp_name="TestESP",
        )
    delivered_record.refresh_from_db()
    assert delivered_record.state == "delivered" and delivered_record.delivered_at is not None
    assert NotificationEvent.objects.filter(notification=delivered_record).count() == 1


def test_anymail_bounce_records_the_reason(delivered_record):
    drain()
    delivered_record.refresh_from_db()
    tracking.send(
        sender=object,
        event=_event(
            "bounced",
            delivered_record.provider_message_id,
            reject_reason="bounced",
            mta_response="550 5.1.1 user unknown",
        ),
        esp_name="TestESP",
    )
    delivered_record.refresh_from_db()
    assert delivered_record.state == "bounced"
    assert delivered_record.error == "bounced bounced"
    # the MTA's answer can name the person: kept encrypted on the event (shown in the admin's inline)
    assert (
        NotificationEvent.objects.get(notification=delivered_record).mta_response == "550 5.1.1 user unknown"
    )


def test_event_before_the_message_id_is_known_is_attached_later(delivered_record):
    tracking.send(sender=object, event=_event("delivered", "0", event_id="early"), esp_name="TestESP")
    assert NotificationEvent.objects.get().notification is None
    drain()
    delivered_record.refresh_from_db()
    assert delivered_record.state == "delivered"
    assert NotificationEvent.objects.get().notification == delivered_record


def test_send_again_is_a_new_record_marked_as_resend(delivered_record, anymail_test_backend):
    drain()
    copy = resend(Notification.objects.get(), requested_by="cs-anna")
    drain()
    copy.refresh_from_db()
    assert copy.resend_of_id == delivered_record.pk and copy.requested_by == "cs-anna"
    assert copy.dedupe_key == f"{delivered_record.dedupe_key}:resend:1"
    assert copy.state == "sent" and len(anymail_test_backend) == 2


def test_system_check_warns_without_the_webhook_secret(settings):
    from notifications.checks import anymail_webhook_secret

    settings.DEBUG = True  # outside DEBUG it is an error (tests/security/test_anymail_webhook_mount.py)
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "x"}
    assert [w.id for w in anymail_webhook_secret()] == ["notifications.W001"]
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "x", "WEBHOOK_SECRET": "a:b"}
    assert anymail_webhook_secret() == []
