"""One record per customer email (SPEC 6): what, to whom, why, and what became of it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from integration_server.fields import EncryptedJSONField, EncryptedTextField


class NotificationKind(models.TextChoices):
    SPLIT_PACKAGE = "split_package", "Order ships in several packages"
    PRESALE_SHIPPED = "presale_shipped", "Pre-order shipped"
    EXCEPTION_ALERT = "exception_alert", "Delivery problem"
    DELIVERY_CONFIRM = "delivery_confirm", "Delivered, review invite"
    AFTERSALES_SHIPPED = "aftersales_shipped", "After-sales order shipped"


class Notification(models.Model):
    """The unique ``dedupe_key`` (tracking number or order + kind + status) makes each email exactly once:
    the database refuses a second record for the same key, whatever the number of pushes or retries."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        SUPPRESSED = "suppressed", "Suppressed (not sent)"

    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    dedupe_key = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    shipment = models.ForeignKey(
        "logistics.TrackedShipment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    shop = models.ForeignKey(
        "logistics.ShopifyShop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_number = models.CharField(max_length=100, blank=True, db_index=True)
    tracking_number = models.CharField(max_length=100, blank=True, db_index=True)
    tracking_status = models.CharField(max_length=24, blank=True, help_text="The status that triggered it.")
    recipient = EncryptedTextField(blank=True, default="")
    recipient_hash = models.CharField(max_length=64, blank=True, db_index=True)
    from_email = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="As rendered when sent.")
    context = EncryptedJSONField(default=dict, blank=True, help_text="Template data (encrypted).")
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When retention erased the buyer / recipient data."
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the last try failed, or why it was not sent.")
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    requested_by = models.CharField(max_length=150, blank=True, help_text="Who asked for a resend.")
    event_at = models.DateTimeField(null=True, blank=True, help_text="When the tracking event happened.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state"], name="notification_kind_state")]
        permissions = [
            ("resend_notification", "Can send a customer email again"),
            ("preview_notification", "Can preview emails (templates and as sent)"),
            ("export_notification", "Can export notifications (with the customers' addresses)"),
        ]

    def __str__(self):
        return f"{self.kind} {self.tracking_number or self.order_number}"

    @property
    def is_resend(self) -> bool:
        return self.resend_of_id is not None


class NotificationEvent(models.Model):
    """A delivery event reported by the email provider (anymail tracking webhook). Events that arrive before
    their message id is known are kept unmatched and attached when the send records the id."""

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    esp_name = models.CharField(max_length=40)
    event_id = models.CharField(max_length=255, null=True, blank=True)
    event_type = models.CharField(max_length=20)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    recipient_hash = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=40, blank=True)
    mta_response = EncryptedTextField(blank=True, default="", help_text="The MTA's answer (encrypted).")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["esp_name", "event_id"],
                condition=Q(event_id__isnull=False),
                name="notification_event_once",
            )
        ]
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event_type} {self.message_id}"
