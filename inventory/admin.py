"""Ops UI of the inventory app: policy numbers, Zoho connection (secrets write-only), account ratios, per-SKU
overrides (CSV/XLSX import/export), the stock list and the per-SKU explain page."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from integration_server.admin_secrets import Secret, WriteOnlySecretsForm
from integration_server.spreadsheets import EXPORT_FORMATS
from inventory.models import (
    AccountStockPolicy,
    PublishedQuantity,
    ShadowDecrement,
    SkuRatioOverride,
    StockEvent,
    StockLevel,
    StockPolicy,
    ZohoConnection,
)
from inventory.resources import SkuRatioOverrideResource
from inventory.services.context import AllocationContext, exclusion_reason
from inventory.services.explain import explain_sku


@admin.register(StockPolicy)
class StockPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "safety_stock",
        "max_oversell_pct",
        "min_publish_qty",
        "low_stock_threshold",
        "rebalance_interval_minutes",
        "last_rebalance_at",
    )
    readonly_fields = ("last_rebalance_at", "updated_at")

    def has_add_permission(self, request):
        return not StockPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        StockPolicy.current()  # the row exists with the SPEC defaults
        return super().changelist_view(request, extra_context)


SECRET_FIELDS = ("client_secret", "refresh_token", "webhook_secret")


class ZohoConnectionForm(WriteOnlySecretsForm):
    """Secrets are write-only: blank keeps the stored value (required while none is); nothing stored is ever
    rendered."""

    secret_fields = (
        Secret("client_secret", required_when_unset=True),
        Secret("refresh_token", required_when_unset=True),
        Secret(
            "webhook_secret",
            required_when_unset=True,
            help_text="Put it in the Zoho webhook URL: /webhook/zoho/<secret>. Use 32+ random characters.",
        ),
    )
    stored_help_text = "Stored (write-only); leave blank to keep it."

    class Meta:
        model = ZohoConnection
        fields = (
            "organization_id",
            "accounts_url",
            "api_base_url",
            "client_id",
            *SECRET_FIELDS,
            "stock_field",
            "stock_field_fallback",
            "items_synced_until",
        )


@admin.register(ZohoConnection)
class ZohoConnectionAdmin(admin.ModelAdmin):
    form = ZohoConnectionForm
    list_display = ("organization_id", "accounts_url", "api_base_url", "stock_field", "last_full_resync_at")
    readonly_fields = ("api_domain", "access_token_expires_at", "last_full_resync_at")
    fields = (
        "organization_id",
        "accounts_url",
        "api_base_url",
        "client_id",
        "client_secret",
        "refresh_token",
        "webhook_secret",
        "stock_field",
        "stock_field_fallback",
        "items_synced_until",
        "api_domain",
        "access_token_expires_at",
        "last_full_resync_at",
    )

    actions = ["check_connection"]

    def has_add_permission(self, request):
        return not ZohoConnection.objects.exists()

    @admin.action(
        description="Check the connection (token, organisation, stock keys of one item)",
        permissions=["change"],
    )
    def check_connection(self, request, queryset):
        from inventory.clients.zoho import ZohoClient
        from inventory.services.zoho_sync import check_zoho_connection

        try:
            result = check_zoho_connection(ZohoClient(queryset.get()))
        except Exception as exc:  # noqa: BLE001 - shown to ops; typed errors carry no secrets
            self.message_user(request, f"Zoho connection failed: {exc}", messages.ERROR)
            return
        level = messages.SUCCESS if result["organization_found"] else messages.WARNING
        self.message_user(
            request,
            f"Organisation found: {result['organization_found']}. Item {result['sku']}: list {result['list_stock_keys']}"
            f", detail {result['detail_stock_keys']}",
            level,
        )


@admin.register(AccountStockPolicy)
class AccountStockPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("account", "ratio", "publish_enabled", "allocation")
    list_editable = ("ratio", "publish_enabled")
    list_select_related = ("account",)
    list_filter = ("publish_enabled", "account__channel")

    readonly_fields = ("allocation",)

    @admin.display(description="takes part in allocation")
    def allocation(self, obj):
        if obj is None or obj.account_id is None:
            return "-"
        reason = exclusion_reason(obj.account, obj)
        if reason:
            return format_html('<strong style="color:#ba2121">No: {}</strong>', reason)
        return "Yes"

    def changelist_view(self, request, extra_context=None):
        self._warn_cap(request)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._warn_cap(request)
        reason = exclusion_reason(obj.account, obj)
        if reason:
            messages.warning(request, f"{obj.account.name} takes no part in the allocation: {reason}.")

    @staticmethod
    def _warn_cap(request):
        policy = StockPolicy.current()
        cap = Decimal(policy.max_oversell_pct) / 100
        total = sum(AllocationContext.load().account_ratios.values(), Decimal(0))
        if total > cap:
            messages.warning(
                request,
                f"The account ratios add up to {total} (cap {cap}): every SKU's ratios are scaled by "
                f"{cap}/{total} before rounding down.",
            )


@admin.register(SkuRatioOverride)
class SkuRatioOverrideAdmin(SimpleHistoryAdmin, ImportExportModelAdmin):
    resource_classes = [SkuRatioOverrideResource]
    import_formats = [CSV, XLSX]
    export_formats = EXPORT_FORMATS  # formulas escaped
    import_template_name = "admin/inventory/skuratiooverride_import.html"
    list_display = ("sku", "account", "ratio", "note", "updated_at")
    list_filter = ("account",)
    search_fields = ("sku",)
    list_select_related = ("account",)
    ordering = ("sku", "account")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from inventory.allocation import effective_ratios
        from inventory.services.context import AllocationContext

        ctx = AllocationContext.load()
        ratios = effective_ratios(ctx.account_ratios, ctx.overrides_for([obj.sku]).get(obj.sku))
        total = sum(ratios.values(), Decimal(0))
        cap = Decimal(ctx.policy.max_oversell_pct) / 100
        if total > cap:
            messages.warning(
                request,
                f"The ratios of {obj.sku} add up to {total} (cap {cap}): they are scaled by {cap}/{total} "
                "before rounding down.",
            )


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    """The stock list: Zoho's value, the shadow stock, and per marketplace what is published and pending."""

    list_display = (
        "sku",
        "zoho_available",
        "shadow_available",
        "per_marketplace",
        "depleted",
        "zoho_modified_at",
        "explain_link",
    )
    list_filter = ("depleted",)
    search_fields = ("=sku", "sku")
    readonly_fields = [f.name for f in StockLevel._meta.fields]
    list_per_page = 100
    show_full_result_count = False
    ordering = ("sku",)

    def has_add_permission(self, request):
        return False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = changelist.result_list
        by_sku = defaultdict(list)
        for pq in (
            PublishedQuantity.objects.filter(sku__in=[r.sku for r in rows])
            .select_related("account")
            .order_by("sku", "account__name")
        ):
            by_sku[pq.sku].append(pq)
        for row in rows:
            row.published_rows = by_sku.get(row.sku, [])
        return changelist

    @admin.display(description="published (pending) per marketplace")
    def per_marketplace(self, obj):
        rows = getattr(obj, "published_rows", [])
        if not rows:
            return "-"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant tag
            "{}: {}{}{}",
            (
                (
                    pq.account.name,
                    "-" if pq.published_quantity is None else pq.published_quantity,
                    f" → {pq.target_quantity} pending" if pq.pending else "",
                    f" (rejected: {pq.last_reason[:60]})"
                    if pq.last_result == PublishedQuantity.Result.REJECTED
                    else "",
                )
                for pq in rows
            ),
        )

    @admin.display(description="explain")
    def explain_link(self, obj):
        return format_html(
            '<a href="{}">explain</a>', reverse("admin:inventory_stocklevel_explain", args=[obj.sku])
        )

    def get_urls(self):
        return [
            path(
                "explain/<path:sku>/",
                self.admin_site.admin_view(self.explain_view),
                name="inventory_stocklevel_explain",
            ),
            *super().get_urls(),
        ]

    def explain_view(self, request, sku):
        if not self.has_view_permission(request):
            raise PermissionDenied
        level = get_object_or_404(StockLevel, sku=sku)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Why these quantities for {sku}",
            "level": level,
            "explanation": explain_sku(level),
        }
        return TemplateResponse(request, "admin/inventory/explain.html", context)


@admin.register(PublishedQuantity)
class PublishedQuantityAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "account",
        "target_quantity",
        "published_quantity",
        "ordered_since_publish",
        "last_result",
        "last_reason",
        "last_pushed_at",
    )
    list_filter = ("account", "last_result")
    search_fields = ("=sku", "sku")
    list_select_related = ("account",)
    readonly_fields = [f.name for f in PublishedQuantity._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(ShadowDecrement)
class ShadowDecrementAdmin(admin.ModelAdmin):
    list_display = ("sku", "quantity", "account", "order_line", "created_at", "returned_at")
    list_filter = ("account",)
    search_fields = ("=sku",)
    list_select_related = ("account", "order_line", "order_line__order")
    readonly_fields = [f.name for f in ShadowDecrement._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(StockEvent)
class StockEventAdmin(admin.ModelAdmin):
    list_display = ("kind", "sku", "episode", "created_at", "notified_at")
    list_filter = ("kind",)
    search_fields = ("=sku",)
    readonly_fields = [f.name for f in StockEvent._meta.fields]

    def has_add_permission(self, request):
        return False
