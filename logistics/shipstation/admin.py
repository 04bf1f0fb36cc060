"""Ops UI of the ShipStation orders flow: the account (secrets write-only, masked), ShipStation records and
shipments (also shown on each marketplace order), carrier mappings; actions "send to ShipStation again" and
"push tracking again"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_secrets import Secret, WriteOnlySecretsForm, mask_all
from integration_server.models import OutboundJob
from logistics.models import CarrierCodeMapping, ShipStationAccount, ShipStationOrder, ShipStationShipment
from logistics.shipstation import outbound, tracking
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, shipped_quantities
from marketplaces.admin import register_order_action, register_order_inline

SECRET_FIELDS = ("api_key", "api_secret", "webhook_secret")


class ShipStationAccountForm(WriteOnlySecretsForm):
    secret_input_prefix = "new_"
    secret_fields = (
        Secret("api_key", label="API key"),
        Secret("api_secret", label="API secret"),
        Secret(
            "webhook_secret",
            label="Webhook URL secret",
            help_text="A long random string; our webhook URL is /webhook/shipstation/<secret>.",
        ),
    )

    class Meta:
        model = ShipStationAccount
        fields = (
            "name",
            "enabled",
            "api_base_url",
            "allowed_resource_hosts",
            "requests_per_minute",
        )


@admin.register(ShipStationAccount)
class ShipStationAccountAdmin(admin.ModelAdmin):
    form = ShipStationAccountForm
    list_display = (
        "name",
        "enabled",
        "api_base_url",
        "requests_per_minute",
        "last_poll_at",
        "last_poll_error",
    )
    readonly_fields = (
        "stored_secrets",
        "webhook_id",
        "shipments_watermark",
        "fulfillments_watermark",
        "last_poll_at",
        "last_poll_error",
    )

    @admin.display(description="stored secrets (masked)")
    def stored_secrets(self, obj):
        return mask_all((n, getattr(obj, n)) for n in SECRET_FIELDS)


def _job_links(jobs) -> str:
    if not jobs:
        return "-"
    return format_html_join(
        ", ",
        '<a href="{}">{} #{}: {}</a>',
        (
            (reverse("admin:integration_server_outboundjob_change", args=[j.pk]), j.kind, j.pk, j.state)
            for j in jobs
        ),
    )


class ShipStationOrderInline(admin.StackedInline):
    model = ShipStationOrder
    extra = 0
    can_delete = False
    fields = (
        "order_key",
        "store_id",
        "state",
        "shipstation_order_id",
        "last_error",
        "sent_at",
        "cancelled_at",
        "shipped_units",
        "jobs",
    )
    readonly_fields = fields
    verbose_name = "ShipStation"

    @admin.display(description="shipped")
    def shipped_units(self, obj):
        """Units shipped per line by the order's packages (not voided): a partial shipment says what is left."""
        lines = list(obj.order.lines.all())
        packages = [
            items or []
            for items in ShipStationShipment.objects.filter(order_id=obj.order_id, voided=False).values_list(
                "items", flat=True
            )
        ]
        if not packages:
            return "nothing yet"
        shipped = shipped_quantities(lines, packages)
        return ", ".join(
            f"{line.sku or line.line_id}: {min(shipped[line.pk], line.quantity)}/{line.quantity}"
            for line in lines
        )

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="jobs")
    def jobs(self, obj):
        keys = [f"order:{obj.order_id}", f"cancel:{obj.order_id}"]
        found = list(
            OutboundJob.objects.filter(
                kind__in=[outbound.CREATE_KIND, outbound.CANCEL_KIND], dedupe_key__in=keys
            )
        ) + list(
            OutboundJob.objects.filter(
                kind__in=[outbound.CREATE_KIND, PUSH_TRACKING_KIND],
                dedupe_key__startswith=f"order:{obj.order_id}:",
            )
        )
        found += list(
            OutboundJob.objects.filter(kind=PUSH_TRACKING_KIND, dedupe_key__startswith=f"{obj.order_id}:")
        )
        return _job_links(sorted(found, key=lambda j: j.pk))


class ShipmentInline(ReadOnlyTabularInline):
    model = ShipStationShipment
    fields = (
        "source",
        "external_id",
        "carrier_code",
        "tracking_number",
        "ship_date",
        "tracking_state",
        "problem",
        "received_via",
    )
    verbose_name = "shipment"


def send_to_shipstation_again(modeladmin, request, queryset):
    count = outbound.send_again(list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} order(s) queued for ShipStation.", messages.SUCCESS)


send_to_shipstation_again.short_description = "Send to ShipStation again"


def push_tracking_again_for_orders(modeladmin, request, queryset):
    ids = list(ShipStationShipment.objects.filter(order__in=queryset).values_list("pk", flat=True))
    count = tracking.push_again(ids)
    modeladmin.message_user(request, f"{count} tracking push(es) queued.", messages.SUCCESS)


push_tracking_again_for_orders.short_description = "Push tracking again"

register_order_inline(ShipStationOrderInline)
register_order_inline(ShipmentInline)
register_order_action(send_to_shipstation_again)
register_order_action(push_tracking_again_for_orders)


@admin.register(ShipStationOrder)
class ShipStationOrderAdmin(admin.ModelAdmin):
    list_display = (
        "order_key",
        "order_link",
        "store_id",
        "state",
        "shipstation_order_id",
        "sent_at",
        "short_error",
    )
    list_filter = ("state", "store_id", "order__account", "created_at")
    list_select_related = ("order", "order__account")
    search_fields = ("=order_key", "=order__marketplace_order_id", "=shipstation_order_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ShipStationOrder._meta.fields]
    actions = ["send_again"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description="order")
    def order_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:marketplaces_order_change", args=[obj.order_id]), obj.order
        )

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description="Send to ShipStation again")
    def send_again(self, request, queryset):
        count = outbound.send_again(list(queryset.values_list("order_id", flat=True)))
        self.message_user(request, f"{count} order(s) queued for ShipStation.", messages.SUCCESS)


@admin.register(ShipStationShipment)
class ShipStationShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "source",
        "order",
        "carrier_code",
        "tracking_number",
        "ship_date",
        "tracking_state",
        "received_via",
        "created_at",
    )
    list_filter = ("tracking_state", "source", "received_via", "voided", "order__account", "created_at")
    list_select_related = ("order",)
    search_fields = ("=tracking_number", "=order_number", "=order__marketplace_order_id", "=external_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ShipStationShipment._meta.fields]
    actions = ["push_again"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description="Push tracking again")
    def push_again(self, request, queryset):
        count = tracking.push_again(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} tracking push(es) queued.", messages.SUCCESS)


@admin.register(CarrierCodeMapping)
class CarrierCodeMappingAdmin(SimpleHistoryAdmin):
    list_display = (
        "shipstation_carrier_code",
        "channel",
        "marketplace_carrier_code",
        "marketplace_carrier_name",
    )
    list_filter = ("channel",)
    search_fields = ("shipstation_carrier_code", "marketplace_carrier_code")
