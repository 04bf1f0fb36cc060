"""Stock state: Zoho's figure and the shadow stock per SKU, the policy numbers, ratios per account and per
SKU, what was published per (SKU, account), the shadow-stock ledger and ops events."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integration_server.fields import EncryptedTextField

RATIO_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1.5"))]


class StockPolicy(models.Model):
    """The policy numbers of SPEC 3, one row (pk=1), edited by ops in the admin."""

    safety_stock = models.PositiveIntegerField(default=1, help_text="Units kept back from every marketplace.")
    max_oversell_pct = models.PositiveIntegerField(
        default=150,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
        help_text="Cap on the sum published over all marketplaces, in % of the allocatable stock.",
    )
    min_publish_qty = models.PositiveIntegerField(
        default=0, help_text="Floor per marketplace while stock is allocatable (0 = no floor)."
    )
    low_stock_threshold = models.PositiveIntegerField(
        default=1,
        help_text="Rebalance a SKU when what remains of a marketplace's published quantity is at most this.",
    )
    rebalance_interval_minutes = models.PositiveIntegerField(
        default=240, validators=[MinValueValidator(5)], help_text="Scheduled rebalance of all SKUs."
    )
    last_rebalance_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["last_rebalance_at", "updated_at"])

    class Meta:
        verbose_name = "stock policy"
        verbose_name_plural = "stock policy"

    def __str__(self):
        return "Stock policy"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> StockPolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class ZohoConnection(models.Model):
    """The Zoho Inventory organisation (one row, pk=1); secrets encrypted, the access token cached here so
    every process shares it (Zoho allows 10 access tokens per refresh token per 10 minutes)."""

    organization_id = models.CharField(max_length=40)
    accounts_url = models.URLField(
        default="https://accounts.zoho.com",
        help_text="The accounts server of the organisation's data centre (.com, .eu, .in, .com.au ...).",
    )
    api_base_url = models.URLField(
        blank=True,
        help_text="Blank = the api_domain of the token answer + /inventory/v1. A simulator's URL works too.",
    )
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField(help_text="Encrypted; write-only in the admin.")
    refresh_token = EncryptedTextField(help_text="Encrypted; write-only in the admin.")
    webhook_secret = EncryptedTextField(
        help_text="The secret in the webhook URL /webhook/zoho/<secret> (encrypted; write-only)."
    )
    stock_field = models.CharField(max_length=80, default="actual_available_for_sale_stock")
    stock_field_fallback = models.CharField(max_length=80, blank=True, default="actual_available_stock")
    access_token = EncryptedTextField(blank=True, default="", editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    api_domain = models.CharField(max_length=200, blank=True, editable=False)
    items_synced_until = models.DateTimeField(
        null=True, blank=True, help_text="Last-modified watermark of the incremental item sync."
    )
    last_full_resync_at = models.DateTimeField(null=True, blank=True)
    # Sync health (issue 16): the last successful sync, the run of failures since, the last error.
    last_sync_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    sync_failures = models.PositiveIntegerField(default=0, editable=False)
    sync_failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_sync_error = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "Zoho connection"

    def __str__(self):
        return f"Zoho organisation {self.organization_id}"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self):
        from integration_server.vendor_hosts import check_urls
        from inventory.clients.zoho import ACCOUNTS_HOSTS, API_HOSTS

        check_urls(self, "Zoho", {"accounts_url": ACCOUNTS_HOSTS, "api_base_url": API_HOSTS})


class AccountStockPolicy(models.Model):
    """The share of every SKU's allocatable stock a marketplace account gets."""

    account = models.OneToOneField(
        "marketplaces.MarketplaceAccount", on_delete=models.CASCADE, related_name="stock_policy"
    )
    ratio = models.DecimalField(max_digits=5, decimal_places=4, validators=RATIO_VALIDATORS)
    publish_enabled = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "account ratio"

    def __str__(self):
        return f"{self.account}: {self.ratio}"


class SkuRatioOverride(models.Model):
    """A per-SKU ratio for one account; wins over the account's ratio."""

    sku = models.CharField(max_length=100)
    account = models.ForeignKey(
        "marketplaces.MarketplaceAccount", on_delete=models.CASCADE, related_name="sku_ratio_overrides"
    )
    ratio = models.DecimalField(max_digits=5, decimal_places=4, validators=RATIO_VALIDATORS)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sku", "account"], name="sku_ratio_override_unique")]
        verbose_name = "per-SKU ratio override"

    def __str__(self):
        return f"{self.sku} @ {self.account_id}: {self.ratio}"


class StockLevel(models.Model):
    """Zoho's figure for a SKU and the shadow stock allocation runs on (reset by every Zoho sync)."""

    sku = models.CharField(max_length=100, unique=True)
    zoho_item_id = models.CharField(max_length=40, blank=True)
    zoho_available = models.IntegerField(default=0)
    zoho_modified_at = models.DateTimeField(null=True, blank=True)
    shadow_available = models.IntegerField(default=0)
    shadow_reset_at = models.DateTimeField(default=timezone.now)
    depleted = models.BooleanField(default=False, help_text="Shadow stock reached 0 (ops told once).")
    depletion_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.sku}: {self.shadow_available}"


class PublishedQuantity(models.Model):
    """Per (SKU, account): the quantity allocation wants, the last one the marketplace accepted, the last
    push's result, and the units ordered there since that push (for the low-stock rebalance)."""

    class Result(models.TextChoices):
        NONE = "", "Not pushed"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    sku = models.CharField(max_length=100)
    account = models.ForeignKey(
        "marketplaces.MarketplaceAccount", on_delete=models.CASCADE, related_name="published_quantities"
    )
    target_quantity = models.IntegerField(default=0)
    published_quantity = models.IntegerField(null=True, blank=True)
    ordered_since_publish = models.IntegerField(default=0)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_result = models.CharField(max_length=10, choices=Result.choices, blank=True, default="")
    last_reason = models.TextField(blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "published quantity"
        verbose_name_plural = "published quantities"
        constraints = [
            models.UniqueConstraint(fields=["sku", "account"], name="published_quantity_unique"),
        ]

    def __str__(self):
        return f"{self.sku} @ {self.account_id}: {self.published_quantity} -> {self.target_quantity}"

    @property
    def pending(self) -> bool:
        return self.published_quantity != self.target_quantity


class ShadowDecrement(models.Model):
    """The ledger: one row per marketplace order line (the unique key makes the decrement exactly-once)."""

    order_line = models.OneToOneField(
        "marketplaces.OrderLine", on_delete=models.CASCADE, related_name="shadow_decrement"
    )
    account = models.ForeignKey("marketplaces.MarketplaceAccount", on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=100, db_index=True)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True, help_text="Cancelled before shipment.")

    def __str__(self):
        return f"{self.sku} -{self.quantity}"


class StockEvent(models.Model):
    """Ops events (the alerts app sends them). One depletion event per SKU per depletion."""

    class Kind(models.TextChoices):
        DEPLETED = "depleted", "Shadow stock depleted"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    sku = models.CharField(max_length=100)
    episode = models.PositiveIntegerField(help_text="Which depletion of this SKU (1, 2, ...).")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "sku", "episode"], name="stock_event_unique_episode")
        ]
        indexes = [
            models.Index(
                fields=["kind", "notified_at"],
                condition=Q(notified_at__isnull=True),
                name="stock_event_unnotified",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.sku}"
