"""Ops UI for Eccang: the account (app secret write-only), its after-sales rules and status mapping, and the
(reference_no, status) rows seen."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html

from integration_server.admin_secrets import (
    HTTPS_URL_OVERRIDES,
    Secret,
    WriteOnlySecretsForm,
    https_url_fields,
)
from integration_server.connection_audit import ConnectionAuditMixin
from logistics.eccang.orders import NO_RULES
from logistics.models import EccangAccount, EccangAfterSalesRule, EccangOrderStatus, EccangStatusMapping

REWIND_DAYS = 7  # "Poll Eccang now" with a rewind re-reads this far back


class EccangAccountForm(WriteOnlySecretsForm):
    secret_fields = (
        Secret("app_secret", help_text="Blank = keep the stored one. Only signs requests; never sent."),
    )

    class Meta:
        model = EccangAccount
        formfield_callback = https_url_fields
        fields = (
            "name",
            "enabled",
            "api_base_url",
            "app_key",
            "service_id",
            "sign_case",
            "api_version",
            "poll_interval_minutes",
            "window_mode",
            "window_start_key",
            "window_end_key",
            "overlap_minutes",
            "created_window_days",
            "server_timezone",
            "page_size",
            "field_names",
            "watermark",
        )

    def clean_field_names(self):
        value = self.cleaned_data.get("field_names") or {}
        if not isinstance(value, dict) or not all(
            isinstance(v, str | list) and all(isinstance(n, str) for n in ([v] if isinstance(v, str) else v))
            for v in value.values()
        ):
            raise forms.ValidationError('An object of meaning -> list of names, e.g. {"status": ["status"]}.')
        return value


class RuleInline(admin.TabularInline):
    model = EccangAfterSalesRule
    extra = 1
    fields = ("kind", "values", "enabled", "note")


class StatusMappingInline(admin.TabularInline):
    model = EccangStatusMapping
    extra = 1
    fields = ("code", "meaning", "note")


@admin.register(EccangAccount)
class EccangAccountAdmin(ConnectionAuditMixin, admin.ModelAdmin):
    form = EccangAccountForm
    formfield_overrides = HTTPS_URL_OVERRIDES
    list_display = (
        "name",
        "enabled",
        "after_sales_rules",
        "poll_interval_minutes",
        "watermark",
        "secret_set",
    )
    readonly_fields = ("after_sales_state", "last_polled_at", "last_poll_result", "seen_statuses")
    inlines = [RuleInline, StatusMappingInline]
    actions = ["poll_now", "poll_now_rewind", "check_connection"]
    fieldsets = (
        (None, {"fields": ("after_sales_state", "name", "enabled")}),
        (
            "Connection",
            {"fields": ("api_base_url", "app_key", "service_id", "app_secret", "sign_case", "api_version")},
        ),
        (
            "Polling",
            {
                "fields": (
                    "poll_interval_minutes",
                    "window_mode",
                    "window_start_key",
                    "window_end_key",
                    "overlap_minutes",
                    "created_window_days",
                    "server_timezone",
                    "page_size",
                    "watermark",
                    "last_polled_at",
                    "last_poll_result",
                )
            },
        ),
        ("Field names (unconfirmed: adjust to real answers)", {"fields": ("field_names", "seen_statuses")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(enabled_rules=models.Count("rules", filter=models.Q(rules__enabled=True)))
        )

    @admin.display(description="after-sales rules")
    def after_sales_rules(self, obj):
        count = getattr(obj, "enabled_rules", None)
        if count is None:
            count = obj.rules.filter(enabled=True).count()
        return count or format_html(
            '<strong style="color:#ba2121">{}</strong>', "none: nothing is after-sales"
        )

    @admin.display(description="After-sales")
    def after_sales_state(self, obj):
        if obj.pk is None or not obj.rules.filter(enabled=True).exists():
            return format_html('<strong style="color:#ba2121">{}</strong>', NO_RULES)
        return "; ".join(str(r) for r in obj.rules.filter(enabled=True)) + " (any one matches)"

    @admin.display(description="app secret")
    def secret_set(self, obj):
        return "set" if obj.app_secret else "missing"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            form.instance.ensure_default_status_map()

    @admin.action(description="Poll Eccang now", permissions=["change"])
    def poll_now(self, request, queryset):
        from logistics.eccang.services import poll_account

        for account in queryset:
            try:
                result = poll_account(account)
            except Exception as exc:  # noqa: BLE001 - shown to the operator
                self.message_user(request, f"{account}: polling failed: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{account}: {result['pages']} page(s), {result['new']} new status(es), "
                f"{result['after_sales']} after-sales, {result['tracked']} tracked.",
            )

    @admin.action(
        description="Poll Eccang now, re-reading the last 7 days (rules added since apply to orders already seen)",
        permissions=["change"],
    )
    def poll_now_rewind(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        from logistics.eccang.services import poll_account

        since = timezone.now() - timedelta(days=REWIND_DAYS)
        for account in queryset:
            try:
                result = poll_account(account, since=since)
            except Exception as exc:  # noqa: BLE001 - shown to the operator
                self.message_user(request, f"{account}: polling failed: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{account}: re-read {REWIND_DAYS} days: {result['pages']} page(s), {result['new']} new "
                f"status(es), {result['reclassified']} seen order(s) now after-sales, {result['tracked']} tracked.",
            )

    @admin.action(
        description="Check the connection (which signature case Eccang accepts)", permissions=["change"]
    )
    def check_connection(self, request, queryset):
        from logistics.eccang.services import check_connection

        for account in queryset:
            try:
                result = check_connection(account)
            except Exception as exc:  # noqa: BLE001 - shown to the operator
                self.message_user(request, f"{account}: connection check failed: {exc}", messages.ERROR)
                continue
            if not result["ok"]:
                self.message_user(
                    request, f"{account}: both signature cases refused: {result['refused']}", messages.ERROR
                )
                continue
            note = (
                "" if result["sign_case"] == account.sign_case else " (differs from the setting: change it)"
            )
            self.message_user(
                request,
                f"{account}: Eccang accepts {result['sign_case']}case signatures{note}; "
                f"first order's fields: {', '.join(result['item_keys']) or 'no order in the last day'}.",
            )


@admin.register(EccangOrderStatus)
class EccangOrderStatusAdmin(admin.ModelAdmin):
    list_display = (
        "reference_no",
        "status",
        "meaning",
        "after_sales",
        "tracking_number",
        "outcome",
        "via",
        "modify_date",
        "seen_at",
    )
    list_filter = ("after_sales", "meaning", "via", "status", "account")
    search_fields = ("reference_no", "tracking_number")
    date_hierarchy = "seen_at"
    list_select_related = ("account",)
    raw_id_fields = ("tracked_shipment",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
