"""Ops UI for Shopify shops (credentials write-only) and the orders seen from them."""

from __future__ import annotations

from django.contrib import admin

from integration_server.admin_secrets import (
    HTTPS_URL_OVERRIDES,
    Secret,
    WriteOnlySecretsForm,
    https_url_fields,
)
from integration_server.connection_audit import ConnectionAuditMixin
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
            "subject_split_package",
            "subject_presale_shipped",
            "subject_exception_alert",
            "subject_delivery_confirm",
        )

    def clean_shop_domain(self):
        return self.cleaned_data["shop_domain"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        for name in SUBJECT_FIELDS:
            template = cleaned.get(name) or ""
            try:
                template.format_map(_AnyKey())
            except (ValueError, IndexError, AttributeError) as exc:
                self.add_error(
                    name, f"Not a valid subject template ({exc}); use placeholders like {{order_number}}."
                )
        return cleaned


SUBJECT_FIELDS = (
    "subject_split_package",
    "subject_presale_shipped",
    "subject_exception_alert",
    "subject_delivery_confirm",
)


class _AnyKey(dict):
    def __missing__(self, key):
        return ""


@admin.register(ShopifyShop)
class ShopifyShopAdmin(ConnectionAuditMixin, admin.ModelAdmin):
    form = ShopifyShopForm
    formfield_overrides = HTTPS_URL_OVERRIDES
    list_display = (
        "name",
        "shop_domain",
        "enabled",
        "presale_rule",
        "presale_sku_prefixes",
        "credentials_set",
        "configuration_problem",
    )
    readonly_fields = (
        "app_scopes",
        "email_preview",
        "configuration_error",
        "configuration_error_at",
        "reconciled_until",
    )
    list_filter = ("enabled", "presale_rule")
    search_fields = ("name", "shop_domain")
    fieldsets = (
        (None, {"fields": ("name", "shop_domain", "enabled", "api_base_url", "api_version")}),
        ("Credentials (write-only)", {"fields": ("admin_api_token", "webhook_secret", "app_scopes")}),
        ("Pre-sale rule", {"fields": ("presale_rule", "presale_sku_prefixes", "presale_tags")}),
        (
            "Emails",
            {
                "fields": (
                    "brand_name",
                    "sender_name",
                    "sender_email",
                    "review_url",
                    "subject_split_package",
                    "subject_presale_shipped",
                    "subject_exception_alert",
                    "subject_delivery_confirm",
                    "email_preview",
                ),
                "description": "Sender and subjects of this shop's customer emails (blank = the defaults). "
                "Save, then preview them as this shop's customers get them.",
            },
        ),
        (
            "Problems",
            {"fields": ("configuration_error", "configuration_error_at", "reconciled_until")},
        ),
    )

    @admin.display(description="app scopes the Admin API token needs")
    def app_scopes(self, obj):
        from logistics.shopify.client import OLD_ORDER_SCOPES, required_scopes

        if obj is None or obj.pk is None:
            obj = ShopifyShop()
        return (
            f"{', '.join(required_scopes(obj))} (read_products only with the product-tag pre-sale rule; "
            f"{', '.join(OLD_ORDER_SCOPES)} for orders older than 60 days; read_fulfillments also lets "
            "`shopify_webhooks --register` subscribe the fulfillments/* topics). The customer email is "
            "protected customer data: a custom app has it."
        )

    @admin.display(description="preview")
    def email_preview(self, obj):
        if obj is None or obj.pk is None:
            return "Save the shop first."
        from django.urls import reverse
        from django.utils.html import format_html_join

        kinds = [name.removeprefix("subject_") for name in SUBJECT_FIELDS]
        return format_html_join(
            " · ",
            '<a href="{}?shop={}" target="_blank">{}</a>',
            (
                (
                    reverse("admin:notifications_notification_preview", args=[kind]),
                    obj.pk,
                    kind.replace("_", " "),
                )
                for kind in kinds
            ),
        )

    @admin.display(description="problem")
    def configuration_problem(self, obj):
        return obj.configuration_error[:80] if obj.configuration_error else ""

    def save_model(self, request, obj, form, change):
        had_error = bool(change and obj.configuration_error)
        super().save_model(request, obj, form, change)
        if had_error:
            from logistics.shopify.services import retry_after_configuration_fix

            retried = retry_after_configuration_fix(obj)
            obj.configuration_error = ""
            self.message_user(
                request, f"Configuration error cleared; {retried} failed fulfillment job(s) will run again."
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
