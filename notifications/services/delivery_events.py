"""Delivery events from the email provider (anymail's ``tracking`` signal) onto the notification records.

Each event is stored once (unique on the provider's event id where it gives one). ``delivered`` marks the
record delivered; ``bounced`` / ``rejected`` / ``failed`` mark it bounced with the reason. An event that
arrives before the send stored its message id is kept and attached later.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from integration_server.crypto import lookup_hash
from notifications.models import Notification, NotificationEvent

log = logging.getLogger(__name__)

DELIVERED_EVENTS = {"delivered"}
BOUNCE_EVENTS = {"bounced", "rejected", "failed"}


def record_tracking_event(event, esp_name: str = "") -> NotificationEvent | None:
    message_id = str(event.message_id or "")
    recipient_hash = lookup_hash(event.recipient) if event.recipient else ""
    row = NotificationEvent(
        esp_name=(esp_name or "")[:40],
        event_id=(str(event.event_id)[:255] if event.event_id else None),
        event_type=str(event.event_type or "unknown")[:20],
        message_id=message_id[:255],
        recipient_hash=recipient_hash,
        occurred_at=event.timestamp,
        reject_reason=str(event.reject_reason or "")[:40],
        mta_response=str(event.mta_response or "")[:1000],
    )
    try:
        with transaction.atomic():
            row.notification = _find(message_id, recipient_hash)
            row.save()
    except IntegrityError:
        log.info("notifications.event_duplicate", extra={"esp": esp_name})
        return None
    if row.notification_id:
        apply_event(row)
    return row


def _find(message_id: str, recipient_hash: str) -> Notification | None:
    if not message_id:
        return None
    candidates = Notification.objects.filter(provider_message_id=message_id)
    if recipient_hash:
        candidates = candidates.filter(recipient_hash=recipient_hash)
    return candidates.order_by("-id").first()


def apply_event(row: NotificationEvent) -> None:
    when = row.occurred_at or timezone.now()
    pk = row.notification_id
    if row.event_type in DELIVERED_EVENTS:
        Notification.objects.filter(
            pk=pk, state__in=[Notification.State.SENT, Notification.State.PENDING, Notification.State.FAILED]
        ).update(state=Notification.State.DELIVERED, delivered_at=when, updated_at=timezone.now())
    elif row.event_type in BOUNCE_EVENTS:
        # the MTA's answer can name the recipient: it stays encrypted on the event, not in the record's error
        reason = " ".join(x for x in (row.event_type, row.reject_reason) if x)
        Notification.objects.filter(pk=pk).exclude(state=Notification.State.SUPPRESSED).update(
            state=Notification.State.BOUNCED, bounced_at=when, error=reason[:2000], updated_at=timezone.now()
        )


def attach_unmatched_events(notification_id: int, message_id: str) -> int:
    rows = list(
        NotificationEvent.objects.filter(notification__isnull=True, message_id=message_id).order_by("id")
    )
    for row in rows:
        row.notification_id = notification_id
        row.save(update_fields=["notification"])
        apply_event(row)
    return len(rows)


def attach_unmatched_events_of(notification_by_message_id: dict[str, int]) -> int:
    """``attach_unmatched_events`` for a batch just sent: one lookup; rows touched only if some arrived early."""
    rows = list(
        NotificationEvent.objects.filter(
            notification__isnull=True, message_id__in=list(notification_by_message_id)
        ).order_by("id")
    )
    for row in rows:
        row.notification_id = notification_by_message_id[row.message_id]
        row.save(update_fields=["notification"])
        apply_event(row)
    return len(rows)


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    """Receiver of ``anymail.signals.tracking``."""
    record_tracking_event(event, esp_name)
