"""Ops UI for Shopify shops (credentials write-only) and the orders seen from them."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone

from integration_server.crypto import lookup_hash
from logistics.models import ShopifyOrder, ShopifyShop


def https_url_fields(field, **kwargs):
    """Form fields of a model field, with URLs read as https:// when no scheme is typed."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class ShopifyShopForm(forms.ModelForm):
    """Secrets are write-only: blank keeps the stored value; a new webhook secret keeps the old one
    accepted for the grace period (Shopify may sign with it for up to an hour after a rotation)."""

    admin_api_token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Blank = keep the stored one.",
    )
    webhook_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Blank = keep the stored one.",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stored = {
            "admin_api_token": self.instance.admin_api_token if self.instance.pk else "",
            "webhook_secret": self.instance.webhook_secret if self.instance.pk else "",
        }
        for name in ("admin_api_token", "webhook_secret"):
            self.initial[name] = ""

    def clean_shop_domain(self):
        return self.cleaned_data["shop_domain"].strip().lower()

    def save(self, commit=True):
        shop = super().save(commit=False)
        shop.admin_api_token = self.cleaned_data.get("admin_api_token") or self._stored["admin_api_token"]
        new_secret = self.cleaned_data.get("webhook_secret")
        if new_secret and new_secret != self._stored["webhook_secret"]:
            if self._stored["webhook_secret"]:
                shop.previous_webhook_secret = self._stored["webhook_secret"]
                shop.webhook_secret_changed_at = timezone.now()
            shop.webhook_secret = new_secret
        else:
            shop.webhook_secret = self._stored["webhook_secret"]
        if commit:
            shop.save()
        return shop


@admin.register(ShopifyShop)
class ShopifyShopAdmin(admin.ModelAdmin):
    form = ShopifyShopForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
