"""The email log as CSV/XLSX (django-import-export; admin action "Export selected", permission
export_notification). The address is exported decrypted: that is what the export is for."""

from __future__ import annotations

from import_export import resources

from notifications.models import Notification

COLUMNS = (
    "id",
    "kind",
    "state",
    "recipient",
    "order_number",
    "tracking_number",
    "tracking_status",
    "subject",
    "attempts",
    "error",
    "provider_message_id",
    "created_at",
    "sent_at",
    "delivered_at",
    "bounced_at",
    "resend_of",
    "requested_by",
)


class NotificationResource(resources.ModelResource):
    class Meta:
        model = Notification
        fields = COLUMNS
        export_order = COLUMNS
