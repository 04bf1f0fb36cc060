"""SMS through Twilio's Messages API, faked at the transport with ``responses``; the outcome recorded on each
alert message; 429 waits without spending a retry; a 4xx about the request stops at once."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from alerts.clients.twilio import TwilioClient
from alerts.models import AlertMessage, RuleKind
from alerts.services.evaluate import SEND_SMS_KIND, evaluate_alerts
from integration_server.http.errors import PermanentError, ThrottledError
from integration_server.models import JobAttempt, OutboundJob
from integration_server.outbox.runner import run_due_jobs
from logistics.shipstation.outbound import CREATE_KIND
from tests.alerts.support import (
    OPS_PHONE,
    TWILIO_SID,
    TWILIO_TOKEN,
    make_failures,
    only_rule,
    ops_recipient,
    twilio_account,
)

pytestmark = pytest.mark.django_db
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
CREATED = {
    "sid": "SM1f0e1d2c3b4a59687f6e5d4c3b2a1f0e",
    "status": "queued",
    "to": OPS_PHONE,
    "from": "+15005550006",
    "body": "...",
}


def critical_alert():
    only_rule(RuleKind.SHIPSTATION_CREATE_FAILURES)
    ops_recipient()
    make_failures(CREATE_KIND, 51)
    evaluate_alerts()
    return AlertMessage.objects.get(channel="sms")


@responses.activate
def test_critical_alert_sends_one_sms_through_twilio():
    twilio_account()
    responses.add(responses.POST, MESSAGES_URL, json=CREATED, status=201)
    message = critical_alert()

    assert run_due_jobs(SEND_SMS_KIND) == 1
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.url == MESSAGES_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body)
    assert form["To"] == [OPS_PHONE] and form["From"] == ["+15005550006"]
    assert form["Body"][0].startswith("CRITICAL: 51 orders failed to be created in ShipStation in 60 min")
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"

    message.refresh_from_db()
    assert message.state == AlertMessage.State.SENT
    assert (message.provider_message_id, message.provider_status) == (CREATED["sid"], "queued")
    assert message.to_masked == "+44•••••123" and message.attempts == 1

    assert run_due_jobs(SEND_SMS_KIND) == 0  # never twice
    assert evaluate_alerts().messages == 0  # same severity: no new SMS
    assert len(responses.calls) == 1


@responses.activate
def test_messaging_service_instead_of_a_from_number():
    twilio_account(messaging_service_sid="MG0123456789abcdef0123456789abcdef")
    responses.add(responses.POST, MESSAGES_URL, json=CREATED, status=201)
    critical_alert()
    run_due_jobs(SEND_SMS_KIND)
    form = parse_qs(responses.calls[0].request.body)
    assert form["MessagingServiceSid"] == ["MG0123456789abcdef0123456789abcdef"] and "From" not in form


@responses.activate
def test_twilio_429_waits_without_spending_a_retry():
    twilio_account()
    responses.add(
        responses.POST,
        MESSAGES_URL,
        json={"code": 20429, "message": "Too Many Requests", "status": 429},
        status=429,
        headers={"Retry-After": "7"},
    )
    responses.add(responses.POST, MESSAGES_URL, json=CREATED, status=201)
    message = critical_alert()
    run_due_jobs(SEND_SMS_KIND)
    job = OutboundJob.objects.get(kind=SEND_SMS_KIND)
    assert (job.state, job.retries_used) == ("pending", 0)
    assert 6 <= (job.next_attempt_at - timezone.now()).total_seconds() <= 8
    message.refresh_from_db()
    assert message.state == AlertMessage.State.RETRYING and "429" in message.error

    run_due_jobs(SEND_SMS_KIND, now=timezone.now() + timedelta(seconds=8))
    job.refresh_from_db()
    message.refresh_from_db()
    assert job.state == "succeeded" and message.state == AlertMessage.State.SENT and message.error == ""
    outcomes = list(JobAttempt.objects.filter(job=job).order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["throttled", "succeeded"]


@responses.activate
def test_twilio_400_stops_at_once_with_its_reason():
    twilio_account()
    responses.add(
        responses.POST,
        MESSAGES_URL,
        json={
            "code": 21211,
            "message": "The 'To' number is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
        status=400,
    )
    message = critical_alert()
    run_due_jobs(SEND_SMS_KIND)
    job = OutboundJob.objects.get(kind=SEND_SMS_KIND)
    message.refresh_from_db()
    assert job.state == "failed" and len(responses.calls) == 1
    assert message.state == AlertMessage.State.FAILED
    assert "not a valid phone number" in message.error and TWILIO_TOKEN not in message.error


@responses.activate
def test_twilio_5xx_is_retried_then_fails_after_its_retries():
    twilio_account()
    responses.add(responses.POST, MESSAGES_URL, json={"message": "oops"}, status=503)
    message = critical_alert()
    now = timezone.now()
    for n in range(6):  # the first try + 5 retries
        run_due_jobs(SEND_SMS_KIND, now=now + timedelta(minutes=6 * n))
    job = OutboundJob.objects.get(kind=SEND_SMS_KIND)
    message.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 6) and len(responses.calls) == 6
    assert message.state == AlertMessage.State.FAILED and message.attempts == 6


def test_no_twilio_account_fails_the_sms_visibly():
    message = critical_alert()
    run_due_jobs(SEND_SMS_KIND)
    message.refresh_from_db()
    assert message.state == AlertMessage.State.FAILED and "no enabled Twilio account" in message.error


def test_console_backend_for_development(settings):
    settings.ALERTS_SMS_BACKEND = "console"
    message = critical_alert()
    run_due_jobs(SEND_SMS_KIND)
    message.refresh_from_db()
    assert message.state == AlertMessage.State.SENT and message.provider_message_id == "console"


@responses.activate
def test_client_maps_errors():
    client = TwilioClient(TWILIO_SID, TWILIO_TOKEN, from_number="+15005550006")
    responses.add(
        responses.POST, MESSAGES_URL, json={"code": 20429, "message": "Too Many Requests"}, status=429
    )
    with pytest.raises(ThrottledError):
        client.send_sms(OPS_PHONE, "hi")
    responses.replace(
        responses.POST, MESSAGES_URL, json={"code": 20003, "message": "Authenticate"}, status=401
    )
    with pytest.raises(PermanentError):
        client.send_sms(OPS_PHONE, "hi")
    with pytest.raises(PermanentError):
        TwilioClient(TWILIO_SID, "", from_number="+1")
