"""Ops UI of the alerts app: rules (thresholds editable, "evaluate now"), open and past alerts with their
events and messages, recipients (email and phone encrypted, shown masked), the Twilio account (secrets
write-only), and every message sent."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from alerts.models import (
    E164,
    Alert,
    AlertEvent,
    AlertMessage,
    AlertNotice,
    AlertRecipient,
    AlertRule,
    OpenOrdersCheck,
    TwilioAccount,
)
from alerts.services.evaluate import evaluate_alerts
from alerts.services.recipients import mask_address
from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_secrets import Secret, WriteOnlySecretsForm, mask_all
from integration_server.connection_audit import ConnectionAuditMixin


@admin.action(description="Evaluate the alert rules now", permissions=["change"])
def evaluate_now(modeladmin, request, queryset):
    result = evaluate_alerts()
    modeladmin.message_user(request, f"Alerts evaluated: {result.summary()}.", messages.SUCCESS)


@admin.register(AlertRule)
class AlertRuleAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "kind",
        "enabled",
        "warning_count",
        "warning_percent",
        "critical_count",
        "critical_percent",
        "warning_minutes",
        "critical_minutes",
        "window_minutes",
        "grace_minutes",
    )
    list_editable = ("enabled", "warning_count", "warning_percent", "critical_count", "critical_percent")
    list_filter = ("enabled",)
    readonly_fields = ("kind", "updated_at")
    actions = [evaluate_now]
    fieldsets = (
        (None, {"fields": ("kind", "name", "enabled")}),
        (
            "Thresholds (strictly more than; blank = not used). Warning -> email; critical -> email + SMS.",
            {
                "fields": (
                    ("warning_count", "warning_percent", "warning_minutes"),
                    ("critical_count", "critical_percent", "critical_minutes"),
                )
            },
        ),
        ("Window", {"fields": ("window_minutes", "grace_minutes", "updated_at")}),
    )

    def has_add_permission(self, request):
        return False  # the kinds are code; their rows are seeded by a migration

    def has_delete_permission(self, request, obj=None):
        return False


class AlertEventInline(ReadOnlyTabularInline):
    model = AlertEvent
    fields = ("created_at", "kind", "severity", "title", "figures")


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Alert.State.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("opened_at", "rule", "subject", "state", "severity", "summary", "cleared_at")
    list_filter = (StateFilter, "severity", "rule")
    list_select_related = ("rule",)
    search_fields = ("subject", "summary")
    date_hierarchy = "opened_at"
    readonly_fields = (
        "rule",
        "subject",
        "state",
        "severity",
        "summary",
        "figures",
        "opened_at",
        "last_evaluated_at",
        "cleared_at",
        "messages_sent",
    )
    inlines = [AlertEventInline]
    actions = [evaluate_now]

    def has_add_permission(self, request):
        return False

    @admin.display(description="messages")
    def messages_sent(self, obj):
        rows = (
            AlertMessage.objects.filter(notice__events__alert=obj)
            .select_related("notice")
            .distinct()
            .order_by("created_at", "pk")
        )
        return (
            format_html_join(
                "",
                "<div>{} {} to {}: {} {} &mdash; {}</div>",
                (
                    (
                        m.created_at.strftime("%Y-%m-%d %H:%M"),
                        m.get_channel_display(),
                        m.to_masked,
                        m.get_state_display(),
                        m.error[:200],
                        m.notice.title,
                    )
                    for m in rows
                ),
            )
            or "-"
        )


class AlertMessageInline(ReadOnlyTabularInline):
    model = AlertMessage
    fields = ("channel", "to_masked", "state", "attempts", "sent_at", "error")


class NoticeEventInline(ReadOnlyTabularInline):
    model = AlertEvent
    fields = ("alert", "kind", "severity", "title")


@admin.register(AlertNotice)
class AlertNoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "rule", "severity", "title")
    list_filter = ("severity", "rule")
    list_select_related = ("rule",)
    search_fields = ("title",)
    readonly_fields = ("rule", "severity", "title", "text", "created_at")
    inlines = [NoticeEventInline, AlertMessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(AlertMessage)
class AlertMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to_masked", "state", "notice", "attempts", "sent_at", "error")
    list_filter = ("channel", "state")
    list_select_related = ("notice",)
    search_fields = ("to_masked", "notice__title", "provider_message_id")
    readonly_fields = (
        "notice",
        "recipient",
        "channel",
        "to_masked",
        "state",
        "attempts",
        "error",
        "provider_message_id",
        "provider_status",
        "created_at",
        "sent_at",
    )
    exclude = ("to",)

    def has_add_permission(self, request):
        return False


class AlertRecipientForm(WriteOnlySecretsForm):
    """Email and phone (personal data) are never shown: a new value replaces, "clear" empties, blank keeps."""

    secret_input_prefix = "new_"
    secret_fields = (
        Secret(
            "email",
            clearable=True,
            field=forms.EmailField(required=False, label="Email", help_text="Blank keeps the stored email."),
        ),
        Secret(
            "phone",
            clearable=True,
            field=forms.CharField(
                required=False,
                label="Phone (E.164)",
                validators=[E164],
                help_text="e.g. +14155550100. Blank keeps the stored number.",
            ),
        ),
    )

    class Meta:
        model = AlertRecipient
        fields = ("name", "enabled")

    def clean(self):
        cleaned = super().clean()
        values = getattr(self, "_secret_values", {})
        if not self.errors and not values.get("email") and not values.get("phone"):
            raise forms.ValidationError(
                "Give an email address or a phone number (or both): a recipient without either gets no alerts."
            )
        return cleaned


@admin.register(AlertRecipient)
class AlertRecipientAdmin(admin.ModelAdmin):
    form = AlertRecipientForm
    list_display = ("name", "enabled", "email_masked", "phone_masked")
    list_filter = ("enabled",)
    search_fields = ("name",)
    readonly_fields = ("email_masked", "phone_masked")

    @admin.display(description="email")
    def email_masked(self, obj):
        return mask_address(obj.email) or "-"

    @admin.display(description="phone")
    def phone_masked(self, obj):
        return mask_address(obj.phone) or "-"


TWILIO_SECRETS = ("account_sid", "auth_token")


class TwilioAccountForm(WriteOnlySecretsForm):
    secret_input_prefix = "new_"
    secret_fields = (Secret("account_sid", label="Account SID"), Secret("auth_token", label="Auth token"))

    class Meta:
        model = TwilioAccount
        fields = ("name", "enabled", "api_base_url", "from_number", "messaging_service_sid")


@admin.register(TwilioAccount)
class TwilioAccountAdmin(ConnectionAuditMixin, admin.ModelAdmin):
    form = TwilioAccountForm
    list_display = ("name", "enabled", "api_base_url", "from_number", "messaging_service_sid")
    readonly_fields = ("stored_secrets",)

    @admin.display(description="stored secrets (masked)")
    def stored_secrets(self, obj):
        return mask_all((n, getattr(obj, n)) for n in TWILIO_SECRETS)


@admin.register(OpenOrdersCheck)
class OpenOrdersCheckAdmin(admin.ModelAdmin):
    list_display = ("account", "checked_at", "open_orders", "missing", "error")
    list_select_related = ("account",)
    readonly_fields = ("account", "checked_at", "open_orders", "missing", "missing_sample", "error")

    def has_add_permission(self, request):
        return False
