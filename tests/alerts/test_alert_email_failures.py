"""Alert emails: a provider error is retried and recorded; a refused recipient stops at once."""

from __future__ import annotations

import pytest
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from django.core import mail

from alerts.models import AlertMessage, RuleKind
from alerts.services import sending
from alerts.services.evaluate import SEND_EMAIL_KIND, evaluate_alerts
from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from logistics.shipstation.outbound import CREATE_KIND
from tests.alerts.support import make_failures, only_rule, ops_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning_email(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    only_rule(RuleKind.SHIPSTATION_CREATE_FAILURES)
    ops_recipient()
    make_failures(CREATE_KIND, 11)
    evaluate_alerts()
    return AlertMessage.objects.get(channel="email")


def with_test_response(monkeypatch, response):
    build = sending.build_email

    def build_with_response(message):
        email = build(message)
        email.anymail_test_response = response
        return email

    monkeypatch.setattr(sending, "build_email", build_with_response)


def test_provider_error_is_retried(warning_email, monkeypatch):
    with_test_response(monkeypatch, AnymailAPIError("ESP is down"))
    run_due_jobs(SEND_EMAIL_KIND)
    job = OutboundJob.objects.get(kind=SEND_EMAIL_KIND)
    warning_email.refresh_from_db()
    assert (job.state, job.retries_used) == ("pending", 1)
    assert warning_email.state == AlertMessage.State.RETRYING and "ESP is down" in warning_email.error


def test_refused_recipient_stops_at_once(warning_email, monkeypatch):
    refused = {
        "recipient_status": {
            "ops.lead@example.com": AnymailRecipientStatus(message_id=None, status="rejected")
        }
    }
    with_test_response(monkeypatch, refused)
    run_due_jobs(SEND_EMAIL_KIND)
    job = OutboundJob.objects.get(kind=SEND_EMAIL_KIND)
    warning_email.refresh_from_db()
    assert job.state == "failed"
    assert warning_email.state == AlertMessage.State.FAILED and "refused" in warning_email.error
    assert "ops.lead@example.com" not in warning_email.error
