"""Shopify shops (credentials encrypted) and the orders whose fulfillments we have seen."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from integration_server.fields import EncryptedTextField

__all__ = ["PresaleRule", "ShopifyOrder", "ShopifyShop"]


class PresaleRule(models.TextChoices):
    SKU_PREFIX = "sku_prefix", "SKU prefix"
    PRODUCT_TAG = "product_tag", "Product tag"


class ShopifyShop(models.Model):
    """One Shopify store (several allowed). Credentials are encrypted and write-only in the admin."""

    name = models.CharField(max_length=100, unique=True)
    shop_domain = models.CharField(
        max_length=255, unique=True, help_text="e.g. my-store.myshopify.com (X-Shopify-Shop-Domain)."
    )
    enabled = models.BooleanField(default=True)
    api_base_url = models.URLField(
        blank=True, help_text="Blank = https://<shop domain>. A simulator's URL works too."
    )
    api_version = models.CharField(max_length=10, blank=True, help_text="Blank = the service default.")
    admin_api_token = EncryptedTextField(blank=True, default="", help_text="Encrypted; write-only.")
    webhook_secret = EncryptedTextField(
        blank=True, default="", help_text="The key Shopify signs webhooks with. Encrypted; write-only."
    )
    previous_webhook_secret = EncryptedTextField(blank=True, default="")
    webhook_secret_changed_at = models.DateTimeField(null=True, blank=True)
    presale_rule = models.CharField(
        max_length=20, choices=PresaleRule.choices, default=PresaleRule.SKU_PREFIX
    )
    presale_sku_prefixes = models.CharField(
        max_length=500,
        default="PRE-",
        blank=True,
        help_text="Comma-separated SKU prefixes of pre-sale items.",
    )
    presale_tags = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated product tags of pre-sale items."
    )
    brand_name = models.CharField(max_length=100, blank=True, help_text="Shown in emails (blank = name).")
    sender_name = models.CharField(max_length=100, blank=True)
    sender_email = models.EmailField(blank=True, help_text="Blank = DEFAULT_FROM_EMAIL.")
    review_url = models.URLField(blank=True, help_text="Link of the 'tell us how it went' email.")
    subject_split_package = models.CharField(
        max_length=200,
        blank=True,
        help_text="Blank = the default subject. Placeholders: {brand} {order_number} {package_phrase}.",
    )
    subject_presale_shipped = models.CharField(
        max_length=200,
        blank=True,
        help_text="Blank = the default subject. Placeholders: {brand} {order_number}.",
    )
    subject_exception_alert = models.CharField(
        max_length=200,
        blank=True,
        help_text="Blank = the default subject. Placeholders: {brand} {order_number} {tracking_number}.",
    )
    subject_delivery_confirm = models.CharField(
        max_length=200,
        blank=True,
        help_text="Blank = the default subject. Placeholders: {brand} {order_number} {tracking_number}.",
    )
    configuration_error = models.TextField(
        blank=True,
        help_text="Set when the Admin API refused what we ask (a missing app scope, an unknown field). Saving the "
        "shop clears it and retries the fulfillments that failed on it.",
    )
    configuration_error_at = models.DateTimeField(null=True, blank=True)
    reconciled_until = models.DateTimeField(
        null=True, blank=True, help_text="Fulfilled orders were reconciled up to this time (missed webhooks)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    audited_host_fields = ("shop_domain",)  # its admin records changes (integration_server.connection_audit)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from integration_server.vendor_hosts import check_urls, url_problem
        from logistics.shopify.client import API_HOSTS

        problem = url_problem(f"https://{self.shop_domain}", "Shopify", API_HOSTS) if self.shop_domain else ""
        if problem:
            raise ValidationError({"shop_domain": problem})
        check_urls(self, "Shopify", {"api_base_url": API_HOSTS})

    @property
    def brand(self) -> str:
        return self.brand_name or self.name

    def subject_template(self, kind: str) -> str:
        """The shop's own subject for an email kind ('' = the default)."""
        return getattr(self, f"subject_{kind}", "") or ""

    def sku_prefixes(self) -> list[str]:
        return [p.strip() for p in self.presale_sku_prefixes.split(",") if p.strip()]

    def tags(self) -> list[str]:
        return [t.strip() for t in self.presale_tags.split(",") if t.strip()]

    def webhook_secrets(self, now=None, grace_minutes: int = 60) -> list[str]:
        """The secrets a delivery may be signed with: the current one, and the previous one for a while."""
        secrets = [self.webhook_secret] if self.webhook_secret else []
        now = now or timezone.now()
        if (
            self.previous_webhook_secret
            and self.webhook_secret_changed_at
            and now - self.webhook_secret_changed_at <= timedelta(minutes=grace_minutes)
        ):
            secrets.append(self.previous_webhook_secret)
        return secrets


class ShopifyOrder(models.Model):
    """A shop's order as last read through the Admin API: who to write to and what it contains."""

    shop = models.ForeignKey(ShopifyShop, on_delete=models.PROTECT, related_name="orders")
    order_id = models.CharField(max_length=40, help_text="Shopify's numeric order id.")
    name = models.CharField(max_length=60, blank=True, help_text="The order number shown to customers.")
    email = EncryptedTextField(blank=True, default="")
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    customer_name = EncryptedTextField(blank=True, default="")
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When retention erased the buyer / recipient data."
    )
    lines = models.JSONField(default=list, blank=True, help_text="[{id, sku, title, quantity, ...}]")
    fulfillment_status = models.CharField(max_length=40, blank=True)
    package_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_id"], name="shopify_order_unique_per_shop")
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name or self.order_id
