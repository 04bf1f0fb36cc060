"""Rendering and sending one notification through Django's email backend (django-anymail in production).

Retry policy of the ``notifications.send_email`` job: the first try + NOTIFICATION_SEND_MAX_RETRIES (5)
retries at 30, 60, 120, 240, 300 s. A provider error (AnymailAPIError, connection trouble) is retried; a
refused recipient is not. Every failed try leaves the record ``failed`` with its reason; a later success
makes it ``sent``.
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError
from integration_server.outbox import job_kind
from notifications import conf
from notifications.models import Notification, NotificationEvent

SEND_JOB = "notifications.send_email"
log = logging.getLogger(__name__)

SUBJECTS = {
    "split_package": "{brand}: your order {order_number} is coming in {package_phrase}",
    "presale_shipped": "{brand}: your pre-order {order_number} has shipped",
    "exception_alert": "{brand}: there is a problem with the delivery of order {order_number}",
    "delivery_confirm": "{brand}: your order {order_number} was delivered. How did it go?",
    "aftersales_shipped": "{brand}: your order {order_number} has shipped",
}


class _Defaults(dict):
    def __missing__(self, key):
        return ""


def render_subject(kind: str, context: dict) -> str:
    """The shop's own subject (``subject_template`` in the context, edited in the shop's admin page) or the
    default one; a template that does not format falls back to the default."""
    for template in (context.get("subject_template"), SUBJECTS[kind]):
        if template:
            try:
                return template.format_map(_Defaults(context)).replace("  ", " ").strip()
            except (ValueError, IndexError, AttributeError):
                continue
    return ""


def render_email(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one email."""
    subject = render_subject(kind, context)
    text = render_to_string(f"notifications/{kind}.txt", context)
    html = render_to_string(f"notifications/{kind}.html", {**context, "subject": subject})
    return subject, text, html


def build_message(notification: Notification) -> EmailMultiAlternatives:
    subject, text, html = render_email(notification.kind, notification.context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=notification.from_email or None, to=[notification.recipient]
    )
    message.attach_alternative(html, "text/html")
    # django-anymail extras (ignored by Django's own backends)
    message.tags = [notification.kind]
    message.metadata = {"notification_id": str(notification.pk)}
    return message


def _record_failure(notification: Notification, reason: str) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        state=Notification.State.FAILED,
        attempts=F("attempts") + 1,
        error=reason[:2000],
        updated_at=timezone.now(),
    )


def send_notification(notification_id: int) -> dict:
    notification = Notification.objects.get(pk=notification_id)
    if notification.state not in (Notification.State.PENDING, Notification.State.FAILED):
        return {"skipped": notification.state}
    message = build_message(notification)
    try:
        message.send()
    # The record (admin only) keeps the provider's full reason; the job error, which is logged, names only
    # the kind of failure: provider messages can quote the customer's address.
    except AnymailRecipientsRefused as exc:
        _record_failure(notification, f"recipient refused by the email provider: {exc}")
        raise PermanentError("recipient refused by the email provider", vendor="email") from exc
    except AnymailAPIError as exc:
        _record_failure(notification, f"email provider error: {exc}")
        status = getattr(exc, "status_code", None)
        raise RetryableError(
            f"email provider error ({type(exc).__name__})", vendor="email", status=status
        ) from exc
    except Exception as exc:
        _record_failure(notification, f"{type(exc).__name__}: {exc}")
        raise RetryableError(f"email send failed ({type(exc).__name__})", vendor="email") from exc
    message_id = provider_message_id(message, notification.recipient)
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(
        state=Notification.State.SENT,
        attempts=F("attempts") + 1,
        error="",
        subject=message.subject[:300],
        provider_message_id=message_id[:255],
        sent_at=now,
        updated_at=now,
    )
    if message_id:
        from notifications.services.delivery_events import attach_unmatched_events

        attach_unmatched_events(notification.pk, message_id)
    return {"sent": notification.pk, "message_id": message_id}


def provider_message_id(message, recipient: str) -> str:
    status = getattr(message, "anymail_status", None)
    if status is None:
        return ""
    per_recipient = (status.recipients or {}).get(recipient) or (status.recipients or {}).get(
        recipient.lower()
    )
    if per_recipient is not None and per_recipient.message_id is not None:
        return str(per_recipient.message_id)
    return str(status.message_id) if status.message_id is not None else ""


# claimed ten together; each email still succeeds or fails alone
@job_kind(SEND_JOB, retries=conf.NOTIFICATION_SEND_MAX_RETRIES, batch=10)
def send_email_job(job) -> dict:
    """Send one customer email (django-anymail) and record the outcome."""
    return send_notification(job.payload["notification_id"])


__all__ = ["NotificationEvent", "build_message", "render_email", "send_email_job", "send_notification"]
