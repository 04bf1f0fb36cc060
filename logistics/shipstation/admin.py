"""Ops UI of the ShipStation orders flow: the account (secrets write-only, masked), ShipStation records and
shipments (also shown on each marketplace order), carrier mappings; actions "send to ShipStation again" and
"push tracking again"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_object_actions import ObjectAction, ObjectActionsMixin
from integration_server.admin_secrets import Secret, WriteOnlySecretsForm, mask_all
from integration_server.connection_audit import ConnectionAuditMixin
from integration_server.models import OutboundJob
from logistics.models import CarrierCodeMapping, ShipStationAccount, ShipStationOrder, ShipStationShipment
from logistics.shipstation import marketplace_tracking, outbound
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, shipped_quantities
from marketplaces.admin import (
    register_order_action,
    register_order_inline,
    register_order_object_action,
)
from marketplaces.models import Order

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
class ShipStationAccountAdmin(ConnectionAuditMixin, admin.ModelAdmin):
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
send_to_shipstation_again.allowed_permissions = ("change",)


def push_tracking_again_for_orders(modeladmin, request, queryset):
    ids = list(ShipStationShipment.objects.filter(order__in=queryset).values_list("pk", flat=True))
    count = marketplace_tracking.push_again(ids)
    modeladmin.message_user(request, f"{count} tracking push(es) queued.", messages.SUCCESS)


push_tracking_again_for_orders.short_description = "Push tracking again"
push_tracking_again_for_orders.allowed_permissions = ("change",)

_NOT_RESENT = (Order.State.CANCELLED, Order.State.SHIPPED, Order.State.PARTIALLY_SHIPPED)


def _can_send_again(order) -> bool:
    return order.state not in _NOT_RESENT and order.account.shipstation_store_id is not None


def _explain_send_again(order) -> str:
    return (
        f"Order {order.marketplace_order_id} ({order.account}) will be sent to ShipStation again, into store "
        f"{order.account.shipstation_store_id}, under its order key: ShipStation updates the order it already "
        "has (no duplicate) or creates it if it has none. A problem recorded on the order is cleared when "
        "ShipStation accepts it."
    )


def _send_again_one(request, order) -> str:
    count = outbound.send_again([order.pk])
    return f"Order {order.marketplace_order_id} queued for ShipStation." if count else "Nothing was queued."


SEND_ORDER_AGAIN = ObjectAction(
    "send-to-shipstation",
    "Send to ShipStation again",
    "logistics.change_shipstationorder",
    explain=_explain_send_again,
    run=_send_again_one,
    applies=_can_send_again,
)


def _explain_push_again(shipment) -> str:
    return (
        f"The tracking of package {shipment.tracking_number or shipment.external_id} ({shipment.carrier_code}) "
        f"will be pushed to the marketplace of order {shipment.order} again: a failed push is retried with a "
        "fresh budget, a finished one is sent anew (the marketplace keeps one tracking per package)."
    )


def _push_again_one(request, shipment) -> str:
    count = marketplace_tracking.push_again([shipment.pk])
    return f"{count} tracking push(es) queued." if count else "Nothing was queued."


PUSH_TRACKING_AGAIN = ObjectAction(
    "push-tracking",
    "Push tracking again",
    "logistics.change_shipstationshipment",
    explain=_explain_push_again,
    run=_push_again_one,
    applies=lambda s: s.order_id is not None and not s.voided,
)


register_order_object_action(SEND_ORDER_AGAIN)
register_order_inline(ShipStationOrderInline)
register_order_inline(ShipmentInline)
register_order_action(send_to_shipstation_again)
register_order_action(push_tracking_again_for_orders)


@admin.register(ShipStationOrder)
class ShipStationOrderAdmin(ObjectActionsMixin, admin.ModelAdmin):
    object_actions = [
        ObjectAction(
            SEND_ORDER_AGAIN.name,
            SEND_ORDER_AGAIN.label,
            SEND_ORDER_AGAIN.permission,
            explain=lambda row: _explain_send_again(row.order),
            run=lambda request, row: _send_again_one(request, row.order),
            applies=lambda row: _can_send_again(row.order),
        )
    ]
    list_display = (
        "order_key",
        "order_link",
        "store_id",
        "state",
        "shipstation_order_id",
        "sent_at",
        "short_error",
    )
    list_filter = ("state", "store_id", "order__account__channel", "order__account", "created_at")
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

    @admin.action(description="Send to ShipStation again", permissions=["change"])
    def send_again(self, request, queryset):
        count = outbound.send_again(list(queryset.values_list("order_id", flat=True)))
        self.message_user(request, f"{count} order(s) queued for ShipStation.", messages.SUCCESS)


@admin.register(ShipStationShipment)
class ShipStationShipmentAdmin(ObjectActionsMixin, admin.ModelAdmin):
    object_actions = [PUSH_TRACKING_AGAIN]
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
    list_filter = (
        "tracking_state",
        "source",
        "received_via",
        "voided",
        "order__account__channel",
        "order__account",
        "created_at",
    )
    list_select_related = ("order",)
    search_fields = ("=tracking_number", "=order_number", "=order__marketplace_order_id", "=external_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ShipStationShipment._meta.fields]
    actions = ["push_again"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description="Push tracking again", permissions=["change"])
    def push_again(self, request, queryset):
        count = marketplace_tracking.push_again(list(queryset.values_list("pk", flat=True)))
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
