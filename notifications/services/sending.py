"""Rendering and sending one notification through Django's email backend (django-anymail in production).

Retry policy of the ``notifications.send_email`` job: the first try + NOTIFICATION_SEND_MAX_RETRIES (5)
retries at 30, 60, 120, 240, 300 s. A provider error (AnymailAPIError, connection trouble) is retried; a
refused recipient is not. Every failed try leaves the record ``failed`` with its reason; a later success
makes it ``sent``.

The handler takes the claimed batch (up to 10 jobs): the records in one query, the emails through one
backend connection, the sent records marked in one UPDATE and their early delivery events looked up in one
query. Each email still succeeds or fails alone. A worker killed in the middle of a batch leaves its jobs to
the lease sweep, which sends again what was not marked (at least once, as for a single email).
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Case, CharField, F, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError
from integration_server.outbox import batch_job_kind
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


def _send_one(notification: Notification, connection=None) -> tuple[str, str]:
    """Send one record's email; ``(subject, provider message id)``. A failure is recorded on the record and
    raised as a typed error (permanent for a refused recipient, else retryable)."""
    message = build_message(notification)
    message.connection = connection
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
    return message.subject, provider_message_id(message, notification.recipient)


def _mark_sent(sent: dict[int, tuple[str, str]]) -> None:
    """One UPDATE for every record sent now: ``{pk: (subject, message id)}``."""
    if not sent:
        return
    now = timezone.now()

    def per_record(index: int, limit: int):
        return Case(
            *[When(pk=pk, then=Value(values[index][:limit])) for pk, values in sent.items()],
            output_field=CharField(),
        )

    Notification.objects.filter(pk__in=list(sent)).update(
        state=Notification.State.SENT,
        attempts=F("attempts") + 1,
        error="",
        subject=per_record(0, 300),
        provider_message_id=per_record(1, 255),
        sent_at=now,
        updated_at=now,
    )


def send_notifications(notification_ids: list[int]) -> dict[int, object]:
    """Send the records' emails; per notification id a result dict or the exception of its failure."""
    records = Notification.objects.in_bulk(set(notification_ids))
    outcomes: dict[int, object] = {}
    sent: dict[int, tuple[str, str]] = {}
    connection = None
    try:
        for pk in notification_ids:
            if pk in outcomes:
                continue  # two jobs of one record in a batch: one email
            notification = records.get(pk)
            if notification is None:
                outcomes[pk] = PermanentError(f"notification {pk} no longer exists", vendor="email")
                continue
            if notification.state not in (Notification.State.PENDING, Notification.State.FAILED):
                outcomes[pk] = {"skipped": notification.state}
                continue
            if connection is None:
                connection = get_connection()
                connection.open()
            try:
                sent[pk] = _send_one(notification, connection)
            except Exception as exc:  # noqa: BLE001 - this email's outcome (a template error included)
                outcomes[pk] = exc
                continue
            outcomes[pk] = {"sent": pk, "message_id": sent[pk][1]}
    finally:
        if connection is not None:
            connection.close()
        _mark_sent(sent)
    by_message_id = {message_id: pk for pk, (_, message_id) in sent.items() if message_id}
    if by_message_id:
        from notifications.services.delivery_events import attach_unmatched_events_of

        attach_unmatched_events_of(by_message_id)
    return outcomes


def send_notification(notification_id: int) -> dict:
    outcome = send_notifications([notification_id])[notification_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


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


# one query, one connection, one UPDATE per batch; each email succeeds or fails alone
@batch_job_kind(SEND_JOB, retries=conf.NOTIFICATION_SEND_MAX_RETRIES, batch=10)
def send_email_jobs(jobs) -> dict:
    """Send customer emails (django-anymail) and record the outcome. The claimed batch, each job its own
    outcome."""
    outcomes = send_notifications([job.payload["notification_id"] for job in jobs])
    return {job.pk: outcomes[job.payload["notification_id"]] for job in jobs}


__all__ = [
    "NotificationEvent",
    "build_message",
    "render_email",
    "send_email_jobs",
    "send_notification",
    "send_notifications",
]
