"""Ops UI for the tracking account (API key write-only) and tracked shipments."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_secrets import (
    HTTPS_URL_OVERRIDES,
    Secret,
    WriteOnlySecretsForm,
    https_url_fields,
)
from integration_server.connection_audit import ConnectionAuditMixin
from integration_server.crypto import lookup_hash
from logistics.models import TrackedShipment, TrackingAccount, TrackingCarrierCode, TrackingUpdateLog
from logistics.tracking.models import normalise_carrier


class TrackingAccountForm(WriteOnlySecretsForm):
    """The API key is write-only; a new key keeps the old one accepted for the grace period."""

    secret_fields = (Secret("api_key", help_text="Blank = keep the stored one.", keep_previous=True),)

    class Meta:
        model = TrackingAccount
        formfield_callback = https_url_fields
        fields = (
            "provider",
            "enabled",
            "api_base_url",
            "webhook_enabled",
            "poll_after_hours",
            "status_overrides",
        )


@admin.register(TrackingAccount)
class TrackingAccountAdmin(ConnectionAuditMixin, admin.ModelAdmin):
    form = TrackingAccountForm
    formfield_overrides = HTTPS_URL_OVERRIDES
    list_display = ("provider", "enabled", "webhook_enabled", "poll_after_hours", "key_set")

    @admin.display(description="API key")
    def key_set(self, obj):
        return "set" if obj.api_key else "missing"


class TrackingCarrierCodeForm(forms.ModelForm):
    class Meta:
        model = TrackingCarrierCode
        fields = ("carrier", "provider_code", "note")

    def clean_carrier(self):
        # normalised before the uniqueness check, so "UPS " and "ups" are one carrier
        return normalise_carrier(self.cleaned_data["carrier"])

    def clean_provider_code(self):
        code = self.cleaned_data["provider_code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("17TRACK carrier codes are numbers (its carrier list's key).")
        return code


@admin.register(TrackingCarrierCode)
class TrackingCarrierCodeAdmin(SimpleHistoryAdmin):
    """Carrier names / codes from Shopify, ShipStation and Eccang -> 17TRACK carrier codes, used when a number
    is registered (an unlisted carrier is auto-detected by 17TRACK)."""

    form = TrackingCarrierCodeForm
    list_display = ("carrier", "provider_code", "note")
    search_fields = ("carrier", "provider_code")


class TrackingUpdateLogInline(ReadOnlyTabularInline):
    model = TrackingUpdateLog
    fields = ("event_at", "status", "provider_status", "provider_sub_status", "description", "via", "stale")


@admin.register(TrackedShipment)
class TrackedShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "tracking_number",
        "order_number",
        "carrier",
        "status",
        "registration",
        "last_event_at",
        "delivered_at",
        "shop",
    )
    list_filter = ("status", "registration", "source", "shop")
    list_select_related = ("shop",)
    search_fields = ("tracking_number", "order_number")
    date_hierarchy = "created_at"
    inlines = [TrackingUpdateLogInline]
    exclude = ("recipient_email", "email_hash", "customer_name")
    readonly_fields = ("customer_email",)
    formfield_overrides = HTTPS_URL_OVERRIDES
    actions = ["poll_now"]
    show_full_result_count = False

    @admin.display(description="customer email")
    def customer_email(self, obj):
        return obj.recipient_email

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            return queryset.filter(email_hash=lookup_hash(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description="Ask the tracking provider now", permissions=["change"])
    def poll_now(self, request, queryset):
        from logistics.tracking.services import poll_tracking

        numbers = list(queryset.values_list("tracking_number", flat=True)[:400])
        try:
            totals = poll_tracking(numbers=numbers)
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            self.message_user(request, f"Polling failed: {exc}", messages.ERROR)
            return
        self.message_user(request, f"Polled {totals['polled']}: {totals['applied']} update(s) applied.")
