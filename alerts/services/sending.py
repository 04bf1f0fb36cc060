"""Sending one alert message (outbox jobs ``alerts.send_email`` and ``alerts.send_sms``) and recording the
outcome on its ``AlertMessage``. A provider error is retried by the job policy; a refused recipient or a
request Twilio rejects (4xx) is not; Twilio's 429 waits without spending a retry."""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from alerts import conf
from alerts.clients.twilio import client_for
from alerts.models import AlertMessage, TwilioAccount
from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from integration_server.outbox import job_kind
from integration_server.outbox.registry import policy_for

SEND_EMAIL_KIND = "alerts.send_email"
SEND_SMS_KIND = "alerts.send_sms"
log = logging.getLogger(__name__)
SMS_MAX_CHARS = 300  # two SMS at most: the details go by email


def _load(job) -> AlertMessage:
    try:
        return AlertMessage.objects.select_related("notice__rule").get(pk=job.payload["message_id"])
    except AlertMessage.DoesNotExist:
        raise PermanentError("the alert message no longer exists") from None


def _record(message: AlertMessage, **fields) -> None:
    AlertMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1, **fields)


def _record_failure(job, message: AlertMessage, exc: Exception) -> None:
    policy = policy_for(job.kind)
    out_of_retries = policy is not None and job.retries_used + 1 > policy.max_retries
    final = isinstance(exc, PermanentError) or (out_of_retries and not isinstance(exc, ThrottledError))
    state = AlertMessage.State.FAILED if final else AlertMessage.State.RETRYING
    _record(message, state=state, error=str(exc)[:2000])
    log.warning(
        "alerts.send_failed",
        extra={"message_id": message.pk, "channel": message.channel, "final": final, "error": str(exc)[:300]},
    )


def build_email(message: AlertMessage) -> EmailMultiAlternatives:
    notice = message.notice
    context = {"notice": notice, "rule": notice.rule}
    email = EmailMultiAlternatives(
        subject=notice.title,
        body=render_to_string("alerts/alert_email.txt", context),
        from_email=conf.ALERTS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
    )
    email.attach_alternative(render_to_string("alerts/alert_email.html", context), "text/html")
    email.tags = ["ops-alert"]
    email.metadata = {"alert_message_id": str(message.pk)}
    return email


@job_kind(SEND_EMAIL_KIND, retries=conf.ALERTS_SEND_MAX_RETRIES)
def send_email_job(job) -> dict:
    """Send one ops alert email and record the outcome."""
    message = _load(job)
    if message.state == AlertMessage.State.SENT:
        return {"skipped": "already sent"}
    email = build_email(message)
    try:
        email.send()
        status = getattr(email, "anymail_status", None)
        statuses = set(getattr(status, "status", None) or [])
        if statuses and statuses <= {"rejected", "invalid"}:
            raise PermanentError(f"the email provider refused the recipient ({', '.join(sorted(statuses))})")
    except AnymailRecipientsRefused as exc:
        error = PermanentError(f"the email provider refused the recipient: {type(exc).__name__}")
        _record_failure(job, message, error)
        raise error from exc
    except AnymailAPIError as exc:
        error = RetryableError(f"email provider error: {str(exc)[:300]}")
        _record_failure(job, message, error)
        raise error from exc
    except Exception as exc:
        _record_failure(job, message, exc)
        raise
    raw_id = getattr(status, "message_id", None) if status else None
    message_id = "" if raw_id is None else str(raw_id)[:100]
    provider_status = ",".join(sorted(statuses))[:30]
    _record(
        message,
        state=AlertMessage.State.SENT,
        error="",
        sent_at=timezone.now(),
        provider_message_id=message_id,
        provider_status=provider_status,
    )
    return {"message_id": message_id, "status": provider_status}


def sms_text(message: AlertMessage) -> str:
    return message.notice.title[:SMS_MAX_CHARS]


def send_sms(to: str, text: str) -> tuple[str, str]:
    """Send through the configured backend; returns (provider id, status)."""
    if conf.ALERTS_SMS_BACKEND == "console":
        log.warning("alerts.sms_console", extra={"text": text})
        return "console", "sent"
    account = TwilioAccount.objects.filter(enabled=True).order_by("pk").first()
    if account is None:
        raise PermanentError("no enabled Twilio account: add one in the admin")
    sent = client_for(account).send_sms(to, text)
    return sent.sid, sent.status


@job_kind(SEND_SMS_KIND, retries=conf.ALERTS_SEND_MAX_RETRIES)
def send_sms_job(job) -> dict:
    """Send one ops alert SMS (Twilio) and record the outcome."""
    message = _load(job)
    if message.state == AlertMessage.State.SENT:
        return {"skipped": "already sent"}
    try:
        sid, status = send_sms(message.to, sms_text(message))
    except Exception as exc:
        _record_failure(job, message, exc)
        raise
    _record(
        message,
        state=AlertMessage.State.SENT,
        error="",
        sent_at=timezone.now(),
        provider_message_id=sid[:100],
        provider_status=status[:30],
    )
    return {"sid": sid, "status": status}
