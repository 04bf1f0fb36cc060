"""Personal data of customer emails past retention: the address, the template data (names, addresses),
the rendered subject and the MTA's answers. Kind, state, order and tracking numbers, the recipient hash and
the dates stay."""

from __future__ import annotations

from notifications.models import Notification, NotificationEvent


def notifications_past_retention(cutoff):
    return Notification.objects.filter(created_at__lt=cutoff, personal_data_erased_at__isnull=True)


def erase_notifications(pks, now) -> None:
    Notification.objects.filter(pk__in=pks).update(
        recipient="", context={}, subject="", personal_data_erased_at=now
    )
    NotificationEvent.objects.filter(notification_id__in=pks).update(mta_response="")
