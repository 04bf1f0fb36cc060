"""Marketplace accounts (credentials encrypted), and the orders pulled from them with their lines."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integration_server.fields import EncryptedJSONField


class Channel(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    EBAY = "ebay", "eBay"
    MIRAKL = "mirakl", "Mirakl"
    RITHUM = "rithum", "Rithum (Dsco)"


class MarketplaceAccount(models.Model):
    channel = models.CharField(max_length=20, choices=Channel.choices)
    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    sandbox = models.BooleanField(default=False, help_text="Talk to the vendor's sandbox host.")
    api_base_url = models.URLField(
        blank=True, help_text="Blank = the vendor's production or sandbox host. A simulator's URL works too."
    )
    auth_base_url = models.URLField(blank=True, help_text="OAuth token host override (blank = the vendor's).")
    credentials = EncryptedJSONField(
        default=dict, blank=True, help_text="Encrypted; write-only in the admin."
    )
    options = models.JSONField(
        default=dict, blank=True, help_text="Non-secret channel settings (marketplace ids, seller id ...)."
    )
    shipstation_store_id = models.BigIntegerField(
        null=True, blank=True, help_text="The ShipStation store this account's orders go to."
    )
    pull_interval_minutes = models.PositiveIntegerField(default=5)
    orders_watermark = models.DateTimeField(
        null=True, blank=True, help_text="Last-update time up to which orders have been pulled."
    )
    last_pull_at = models.DateTimeField(null=True, blank=True)
    pull_lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A pull is running until then (one pull per account at a time); renewed by its heartbeat.",
    )
    pull_lease_holder = models.CharField(
        max_length=64, blank=True, editable=False, help_text="The pull holding the lease."
    )
    last_pull_error = models.TextField(blank=True)
    # Pull health (issue 16): the last complete pull, and the run of failures since (a paused pull is neither).
    last_pull_success_at = models.DateTimeField(null=True, blank=True)
    pull_failures = models.PositiveIntegerField(default=0, help_text="Consecutive failed pulls.")
    pull_failing_since = models.DateTimeField(
        null=True, blank=True, help_text="When the current run of failed pulls began."
    )
    # An interrupted pull (throttled, failed) resumes here: the window it was reading and the vendor's token
    # of the next page, stored with each page's orders. Cleared when a pull completes.
    pull_checkpoint_since = models.DateTimeField(null=True, blank=True)
    pull_checkpoint_until = models.DateTimeField(null=True, blank=True)
    pull_checkpoint_token = models.TextField(blank=True, help_text="The vendor's token of the next page.")
    pull_checkpoint_at = models.DateTimeField(
        null=True, blank=True, help_text="When the checkpoint was stored (page tokens expire)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Issue 13 (eBay, any OAuth account): when the stored refresh token was issued (its age is warned about
    # before it expires), and what ops must fix (a refused token; a configuration the marketplace rejects).
    refresh_token_issued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the stored refresh token was issued (set when one is stored)."
    )
    auth_problem = models.TextField(
        blank=True,
        help_text="The marketplace refused this account's credentials (cleared by the next success).",
    )
    config_problem = models.TextField(
        blank=True, help_text="A setting the marketplace rejects (e.g. eBay listing model); fix, then clear."
    )
    # The current OAuth access token, encrypted, shared by every process (web, workers): {"token", "expires_at",
    # "key"} where "key" names the credentials it was issued for. Never shown in the admin.
    access_token_cache = EncryptedJSONField(default=dict, blank=True, editable=False)
    # Who changed which setting when; never the credentials (not even encrypted) nor what the pulls write.
    history = HistoricalRecords(
        excluded_fields=[
            "credentials",
            "access_token_cache",
            "orders_watermark",
            "last_pull_at",
            "pull_lease_until",
            "last_pull_error",
            "pull_checkpoint_since",
            "pull_checkpoint_until",
            "pull_checkpoint_token",
            "pull_checkpoint_at",
            "refresh_token_issued_at",
            "auth_problem",
        ]
    )

    class Meta:
        ordering = ["channel", "name"]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.name}"

    def clean(self):
        from integration_server.vendor_hosts import check_urls
        from marketplaces.vendor_hosts import hosts_for

        rules, vendor = hosts_for(self.channel)
        check_urls(self, vendor, rules)


class Order(models.Model):
    class State(models.TextChoices):
        NEW = "new", "New"
        HELD = "held", "Accepted, not shippable yet"
        SENT = "sent", "In ShipStation"
        PARTIALLY_SHIPPED = "partial", "Partially shipped"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"
        FLAGGED = "flagged", "Needs attention"

    class ProblemKind(models.TextChoices):
        """What kind of problem ``problem`` describes: ops filter on it."""

        ORDER_DATA = "order_data", "Marketplace order unusable (no lines / SKU)"
        SHIPSTATION_REFUSED = "shipstation_refused", "ShipStation refused the order data"
        EDITED_AFTER_SHIPMENT = "edited_after_shipment", "Changed on the marketplace after shipment"
        NOT_ACCEPTED = "not_accepted", "Not accepted (left for ops or refused)"

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.PROTECT, related_name="orders")
    marketplace_order_id = models.CharField(max_length=100)
    marketplace_status = models.CharField(max_length=60, blank=True)
    sales_channel = models.CharField(
        max_length=40, blank=True, help_text="The marketplace's site id (Amazon marketplaceId, ...)."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    problem = models.TextField(blank=True, help_text="Why the order is flagged.")
    problem_kind = models.CharField(max_length=24, choices=ProblemKind.choices, blank=True, db_index=True)
    purchased_at = models.DateTimeField(null=True, blank=True)
    marketplace_updated_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    order_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ship_by = models.DateTimeField(null=True, blank=True, help_text="Latest ship date the marketplace gives.")
    shipping_service = models.CharField(
        max_length=100,
        blank=True,
        help_text="Shipping service level the buyer chose (STANDARD, EXPEDITED ...).",
    )
    buyer = EncryptedJSONField(default=dict, blank=True, help_text="Name, email, phone, ship-to: encrypted.")
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When retention erased the buyer / recipient data."
    )
    raw_payload = models.ForeignKey(
        "integration_server.RawPayload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "marketplace_order_id"], name="order_unique_per_account"
            )
        ]
        indexes = [models.Index(fields=["account", "state"]), models.Index(fields=["marketplace_order_id"])]

    def __str__(self):
        return self.marketplace_order_id


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(max_length=100, help_text="The marketplace's id of the order item.")
    sku = models.CharField(max_length=100, blank=True, db_index=True)
    title = models.CharField(max_length=500, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refused_reason = models.CharField(
        max_length=500, blank=True, help_text="Refused at acceptance (Mirakl OR21), and why: not shipped."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "line_id"], name="order_line_unique")]

    def __str__(self):
        return f"{self.sku} x {self.quantity}"
