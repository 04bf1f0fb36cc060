"""ShipStation (V1 API): the account, each marketplace order's ShipStation record, shipments read back, and
the carrier-code mapping to each marketplace."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integration_server.fields import EncryptedTextField

__all__ = ["CarrierCodeMapping", "ShipStationAccount", "ShipStationOrder", "ShipStationShipment"]

DEFAULT_RESOURCE_HOSTS = "ssapi.shipstation.com ssapi*.shipstation.com"


class ShipStationAccount(models.Model):
    """One ShipStation account (API key + secret); each marketplace account names its store."""

    name = models.CharField(max_length=100, unique=True, default="ShipStation")
    enabled = models.BooleanField(default=True)
    api_base_url = models.URLField(
        blank=True, help_text="Blank = https://ssapi.shipstation.com. A simulator works."
    )
    api_key = EncryptedTextField(blank=True, help_text="Encrypted; write-only in the admin.")
    api_secret = EncryptedTextField(blank=True, help_text="Encrypted; write-only in the admin.")
    webhook_secret = EncryptedTextField(
        blank=True, help_text="The random secret in our webhook URL /webhook/shipstation/<secret>. Encrypted."
    )
    allowed_resource_hosts = models.CharField(
        max_length=300,
        default=DEFAULT_RESOURCE_HOSTS,
        help_text="Hosts a webhook resource_url may point to (space-separated, * wildcards, HTTPS only); "
        "the host of the base URL above is allowed too.",
    )
    requests_per_minute = models.PositiveIntegerField(
        default=40, help_text="ShipStation's budget per key + secret, shared by every caller."
    )
    webhook_id = models.BigIntegerField(null=True, blank=True, help_text="Our SHIP_NOTIFY subscription.")
    shipments_watermark = models.DateTimeField(null=True, blank=True)
    fulfillments_watermark = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "ShipStation account"

    def __str__(self):
        return self.name

    def clean(self):
        from integration_server.vendor_hosts import check_urls
        from logistics.shipstation.client import API_HOSTS

        check_urls(self, "ShipStation", {"api_base_url": API_HOSTS})

    @property
    def base_url(self) -> str:
        return self.api_base_url or "https://ssapi.shipstation.com"


class ShipStationOrder(models.Model):
    """Our record of a marketplace order in ShipStation: the stable orderKey, the store, the last result."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        CREATED = "created", "In ShipStation"
        FAILED = "failed", "Failed"
        BLOCKED = "blocked", "Blocked (no store)"
        REFUSED = "refused", "Refused by ShipStation (order data)"
        CANCEL_PENDING = "cancel_pending", "Cancelling"
        CANCELLED = "cancelled", "Cancelled"

    order = models.OneToOneField("marketplaces.Order", on_delete=models.CASCADE, related_name="shipstation")
    order_key = models.CharField(max_length=200, unique=True)
    store_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    shipstation_order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ShipStation order"
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return self.order_key


class ShipStationShipment(models.Model):
    """A package ShipStation shipped (a label: /shipments) or an order marked shipped (/fulfillments).
    Recorded once per (source, ShipStation id), whichever of webhook and poll saw it first."""

    class Source(models.TextChoices):
        SHIPMENT = "shipment", "Label (shipment)"
        FULFILLMENT = "fulfillment", "Marked shipped (fulfillment)"

    class TrackingState(models.TextChoices):
        PENDING = "pending", "To push"
        PUSHED = "pushed", "Pushed to marketplace"
        FAILED = "failed", "Push failed"
        UNMATCHED = "unmatched", "No order matched"
        VOIDED = "voided", "Voided"
        VOIDED_AFTER_PUSH = "voided_after_push", "Voided after its tracking was pushed"
        SKIPPED = "skipped", "Nothing to push"

    source = models.CharField(max_length=12, choices=Source.choices)
    external_id = models.BigIntegerField(help_text="shipmentId or fulfillmentId")
    order = models.ForeignKey(
        "marketplaces.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shipstation_shipments",
    )
    shipstation_order_id = models.BigIntegerField(null=True, blank=True)
    order_key = models.CharField(max_length=200, blank=True)
    order_number = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True, db_index=True)
    carrier_code = models.CharField(max_length=60, blank=True)
    service_code = models.CharField(max_length=100, blank=True)
    ship_date = models.DateField(null=True, blank=True)
    voided = models.BooleanField(default=False)
    items = models.JSONField(default=list, blank=True, help_text="[{lineItemKey, sku, quantity}]")
    received_via = models.CharField(max_length=10, blank=True, help_text="webhook or poll")
    tracking_state = models.CharField(
        max_length=20, choices=TrackingState.choices, default=TrackingState.PENDING
    )
    tracking_pushed_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "ShipStation shipment"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="shipstation_shipment_unique")
        ]

    def __str__(self):
        return f"{self.carrier_code} {self.tracking_number}"


class CarrierCodeMapping(models.Model):
    """ShipStation carrier code -> a marketplace's carrier code; rows here win over the built-in defaults.
    A carrier with no row and no default goes as the marketplace's "other carrier" + name."""

    shipstation_carrier_code = models.CharField(max_length=60)
    channel = models.CharField(max_length=20, help_text="Marketplace channel (amazon, ebay ...).")
    marketplace_carrier_code = models.CharField(max_length=60)
    marketplace_carrier_name = models.CharField(
        max_length=100, blank=True, help_text="Free text sent with the 'other' code."
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shipstation_carrier_code", "channel"], name="carrier_mapping_unique"
            )
        ]
        ordering = ["channel", "shipstation_carrier_code"]

    def __str__(self):
        return f"{self.shipstation_carrier_code} -> {self.channel}:{self.marketplace_carrier_code}"
