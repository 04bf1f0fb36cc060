"""Ops UI for Shopify shops (credentials write-only) and the orders seen from them."""

from __future__ import annotations

from django.contrib import admin

from integration_server.admin_secrets import (
    HTTPS_URL_OVERRIDES,
    Secret,
    WriteOnlySecretsForm,
    https_url_fields,
)
from integration_server.crypto import lookup_hash
from logistics.models import ShopifyOrder, ShopifyShop

KEEP = "Blank = keep the stored one."


class ShopifyShopForm(WriteOnlySecretsForm):
    """Secrets are write-only: blank keeps the stored value; a new webhook secret keeps the old one
    accepted for the grace period (Shopify may sign with it for up to an hour after a rotation)."""

    secret_fields = (
        Secret("admin_api_token", help_text=KEEP),
        Secret("webhook_secret", help_text=KEEP, keep_previous=True),
    )

    class Meta:
        model = ShopifyShop
        formfield_callback = https_url_fields
        fields = (
            "name",
            "shop_domain",
            "enabled",
            "api_base_url",
            "api_version",
            "presale_rule",
            "presale_sku_prefixes",
            "presale_tags",
            "brand_name",
            "sender_name",
            "sender_email",
            "review_url",
        )

    def clean_shop_domain(self):
        return self.cleaned_data["shop_domain"].strip().lower()


@admin.register(ShopifyShop)
class ShopifyShopAdmin(admin.ModelAdmin):
    form = ShopifyShopForm
    formfield_overrides = HTTPS_URL_OVERRIDES
    list_display = (
        "name",
        "shop_domain",
        "enabled",
        "presale_rule",
        "presale_sku_prefixes",
        "credentials_set",
    )
    list_filter = ("enabled", "presale_rule")
    search_fields = ("name", "shop_domain")
    fieldsets = (
        (None, {"fields": ("name", "shop_domain", "enabled", "api_base_url", "api_version")}),
        ("Credentials (write-only)", {"fields": ("admin_api_token", "webhook_secret")}),
        ("Pre-sale rule", {"fields": ("presale_rule", "presale_sku_prefixes", "presale_tags")}),
        ("Emails", {"fields": ("brand_name", "sender_name", "sender_email", "review_url")}),
    )

    @admin.display(description="credentials")
    def credentials_set(self, obj):
        token = "token ✓" if obj.admin_api_token else "token ✗"
        secret = "secret ✓" if obj.webhook_secret else "secret ✗"
        return f"{token} · {secret}"


@admin.register(ShopifyOrder)
class ShopifyOrderAdmin(admin.ModelAdmin):
    list_display = ("name", "shop", "order_id", "fulfillment_status", "package_count", "updated_at")
    list_filter = ("shop", "fulfillment_status")
    list_select_related = ("shop",)
    search_fields = ("name", "order_id")
    readonly_fields = (
        "shop",
        "order_id",
        "name",
        "customer_email",
        "lines",
        "fulfillment_status",
        "package_count",
    )
    exclude = ("email", "email_hash", "customer_name")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description="customer email")
    def customer_email(self, obj):
        return obj.email

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            return queryset.filter(email_hash=lookup_hash(search_term)), False
        return super().get_search_results(request, queryset, search_term)
