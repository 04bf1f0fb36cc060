"""Tracked shipments (one per tracking number) and the tracking provider account."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integration_server.fields import EncryptedTextField

__all__ = ["TrackedShipment", "TrackingAccount", "TrackingCarrierCode", "TrackingStatus", "TrackingUpdateLog"]


class TrackingStatus(models.TextChoices):
    """Our statuses; logistics.tracking.status_map maps each provider's statuses onto them."""

    PENDING = "pending", "Not tracked yet"
    NOT_FOUND = "not_found", "Not found"
    INFO_RECEIVED = "info_received", "Label created"
    IN_TRANSIT = "in_transit", "In transit"
    AVAILABLE_FOR_PICKUP = "available_for_pickup", "Available for pickup"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    DELIVERY_FAILURE = "delivery_failure", "Delivery failure"
    UNDELIVERED = "undelivered", "Undelivered"
    ALERT = "alert", "Exception (alert)"
    RETURNING = "returning", "Returning to sender"
    RETURNED = "returned", "Returned to sender"
    EXPIRED = "expired", "Tracking expired"


class TrackingAccount(models.Model):
    """The tracking provider account (one per provider). Its API key also signs pushes (17TRACK)."""

    provider = models.CharField(max_length=20, unique=True, default="17track")
    enabled = models.BooleanField(default=True)
    api_base_url = models.URLField(
        blank=True,
        help_text="Blank = https://api.17track.net/track/v2.2. A host alone (https://api.17track.net or a "
        "simulator's http://127.0.0.1:8105) gets the API path /track/v2.2 added.",
    )
    api_key = EncryptedTextField(blank=True, default="", help_text="Encrypted; write-only.")
    previous_api_key = EncryptedTextField(blank=True, default="")
    api_key_changed_at = models.DateTimeField(null=True, blank=True)
    webhook_enabled = models.BooleanField(default=True, help_text="Pushes arrive on /webhook/17track.")
    poll_after_hours = models.PositiveIntegerField(
        default=12, help_text="Poll numbers that had no push for this many hours."
    )
    status_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='Provider status or sub-status -> our status, over the built-in table, e.g. {"Expired": "alert"}.',
    )

    def __str__(self):
        return self.provider

    def clean(self):
        from integration_server.vendor_hosts import check_urls
        from logistics.tracking.track17 import API_HOSTS

        check_urls(self, "17TRACK", {"api_base_url": API_HOSTS})

    def signing_keys(self, now=None, grace_minutes: int = 10) -> list[str]:
        keys = [self.api_key] if self.api_key else []
        now = now or timezone.now()
        if (
            self.previous_api_key
            and self.api_key_changed_at
            and now - self.api_key_changed_at <= timedelta(minutes=grace_minutes)
        ):
            keys.append(self.previous_api_key)
        return keys


class TrackedShipment(models.Model):
    """One package: tracking number -> order -> customer email (SPEC 6)."""

    class Registration(models.TextChoices):
        PENDING = "pending", "Pending"
        REGISTERED = "registered", "Registered"
        REJECTED = "rejected", "Rejected"

    tracking_number = models.CharField(max_length=100, unique=True)
    carrier = models.CharField(max_length=100, blank=True)
    carrier_code = models.CharField(max_length=20, blank=True, help_text="The provider's carrier code.")
    tracking_url = models.URLField(max_length=1000, blank=True)
    source = models.CharField(max_length=20, default="shopify")
    shop = models.ForeignKey(
        "logistics.ShopifyShop", null=True, blank=True, on_delete=models.PROTECT, related_name="shipments"
    )
    shopify_order = models.ForeignKey(
        "logistics.ShopifyOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shipments",
    )
    order_number = models.CharField(max_length=100, blank=True, db_index=True)
    fulfillment_id = models.CharField(max_length=40, blank=True)
    recipient_email = EncryptedTextField(blank=True, default="")
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    customer_name = EncryptedTextField(blank=True, default="")
    items = models.JSONField(default=list, blank=True, help_text="[{sku, title, quantity}] in this package.")
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When retention erased the buyer / recipient data."
    )
    status = models.CharField(max_length=24, choices=TrackingStatus.choices, default=TrackingStatus.PENDING)
    provider_status = models.CharField(max_length=60, blank=True)
    provider_sub_status = models.CharField(max_length=60, blank=True)
    status_description = EncryptedTextField(blank=True, default="", help_text="Carrier's words (encrypted).")
    last_event_at = models.DateTimeField(null=True, blank=True, help_text="Time of the newest event applied.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    registration = models.CharField(max_length=12, choices=Registration.choices, default=Registration.PENDING)
    registration_error = models.CharField(max_length=300, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["registration", "status"], name="tracked_shipment_poll"),
        ]

    def __str__(self):
        return self.tracking_number


class TrackingUpdateLog(models.Model):
    """Every status a provider reported for a shipment, once per (shipment, sub-status, event time)."""

    shipment = models.ForeignKey(TrackedShipment, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    provider_status = models.CharField(max_length=60, blank=True)
    provider_sub_status = models.CharField(max_length=60, blank=True)
    event_at = models.DateTimeField(null=True, blank=True)
    description = EncryptedTextField(blank=True, default="", help_text="Carrier's words (encrypted).")
    via = models.CharField(max_length=10, help_text="push or poll")
    stale = models.BooleanField(default=False, help_text="Older than what was already applied: ignored.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "provider_sub_status", "event_at"], name="tracking_update_once"
            )
        ]
        ordering = ["-event_at"]

    def __str__(self):
        return f"{self.shipment_id} {self.status} @ {self.event_at}"


class TrackingCarrierCode(models.Model):
    """The carrier a source gave (Shopify's tracking company, ShipStation's carrier code, Eccang's shipping
    method) -> the tracking provider's carrier code, sent when registering a number so the provider does not
    have to guess. Editable: a carrier not listed is registered without a code (auto-detection)."""

    carrier = models.CharField(
        max_length=100,
        unique=True,
        help_text="The carrier name or code as a source gives it; case is ignored.",
    )
    provider_code = models.CharField(
        max_length=20, help_text="The provider's carrier code (17TRACK: the numeric key of its carrier list)."
    )
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["carrier"]

    def __str__(self):
        return f"{self.carrier} -> {self.provider_code}"

    def save(self, *args, **kwargs):
        self.carrier = normalise_carrier(self.carrier)
        super().save(*args, **kwargs)


def normalise_carrier(name: str) -> str:
    return " ".join((name or "").replace("_", " ").replace("-", " ").lower().split())[:100]
