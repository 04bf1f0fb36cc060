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
from integration_server.connection_audit import ConnectionAuditMixin
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
from inventory.services.republish import request_reallocation
from marketplaces.admin import register_account_action

# The policy numbers that change what allocation computes (the threshold and interval do not).
ALLOCATION_POLICY_FIELDS = {"safety_stock", "max_oversell_pct", "min_publish_qty"}
REALLOCATION_QUEUED = (
    "The affected SKUs are being reallocated; the marketplaces get the new quantities within seconds."
)


PUBLISH_NOW_MAX_SKUS = 10_000  # beyond that: manage.py publish_stock
RESYNC_MAX_SKUS = 50  # one Zoho call each (100 a minute per organisation)


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if ALLOCATION_POLICY_FIELDS & set(form.changed_data):
            request_reallocation(all_skus=True, reason="stock policy edited")
            messages.info(request, REALLOCATION_QUEUED)

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
class ZohoConnectionAdmin(ConnectionAuditMixin, admin.ModelAdmin):
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


RATIO_HELP = (
    "Share of each SKU's sellable stock published to this account: published = floor((Zoho available − safety "
    "stock) × ratio). 0 publishes nothing, 1 all of it, at most 1.5. When an SKU's ratios over all accounts add "
    "up to more than the stock policy's oversell cap (max oversell %, 150 % = 1.5), each is scaled by cap / sum "
    "before rounding down, so the marketplaces together never get more than the cap. Example: 10 available, "
    "safety stock 1, ratio 0.5 → 4 units."
)


class RatioHelpMixin:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "ratio" and field is not None:
            field.help_text = RATIO_HELP
        return field


@admin.register(AccountStockPolicy)
class AccountStockPolicyAdmin(RatioHelpMixin, SimpleHistoryAdmin):
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
        changed = set(form.changed_data)
        if not change or {"publish_enabled", "account"} & changed:
            request_reallocation(all_skus=True, reason=f"account ratio of {obj.account} edited")
        elif "ratio" in changed:  # SKUs with an override for this account keep their ratio
            request_reallocation(
                all_skus=True,
                unless_override_for=obj.account_id,
                reason=f"account ratio of {obj.account} edited",
            )
        self._warn_cap(request)
        reason = exclusion_reason(obj.account, obj)
        if reason:
            messages.warning(request, f"{obj.account.name} takes no part in the allocation: {reason}.")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        request_reallocation(all_skus=True, reason=f"account ratio of {obj.account} deleted")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        request_reallocation(all_skus=True, reason="account ratios deleted")

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
class SkuRatioOverrideAdmin(RatioHelpMixin, SimpleHistoryAdmin, ImportExportModelAdmin):
    resource_classes = [SkuRatioOverrideResource]
    import_formats = [CSV, XLSX]
    export_formats = EXPORT_FORMATS  # formulas escaped
    import_template_name = "admin/inventory/skuratiooverride_import.html"
    list_display = ("sku", "account", "ratio", "note", "updated_at")
    list_filter = ("account",)
    search_fields = ("sku",)
    list_select_related = ("account",)
    ordering = ("sku", "account")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        request_reallocation(skus=[obj.sku], reason="per-SKU override deleted")

    def delete_queryset(self, request, queryset):
        skus = list(queryset.values_list("sku", flat=True))
        super().delete_queryset(request, queryset)
        request_reallocation(skus=skus, reason="per-SKU overrides deleted")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request_reallocation(skus=[obj.sku, form.initial.get("sku")], reason="per-SKU override edited")
        if not StockLevel.objects.filter(sku=obj.sku).exists():
            messages.warning(
                request,
                f"No stock is known for SKU {obj.sku!r} (Zoho has not reported it): check the spelling. The "
                "override is saved and applies once the SKU appears.",
            )
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
    actions = ["publish_now", "resync_from_zoho"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description="Publish now (re-send the computed quantities, even unchanged)", permissions=["change"]
    )
    def publish_now(self, request, queryset):
        skus = list(queryset.values_list("sku", flat=True)[:PUBLISH_NOW_MAX_SKUS])
        request_reallocation(skus=skus, force=True, reason="Publish now (stock levels)")
        self.message_user(
            request,
            f"Publishing {len(skus)} SKU(s) to every marketplace account now: the computed quantities are "
            "sent even where unchanged (see each SKU's explain page).",
            messages.SUCCESS,
        )

    @admin.action(
        description="Resync from Zoho (read Zoho's figure again, reset the shadow stock)",
        permissions=["change"],
    )
    def resync_from_zoho(self, request, queryset):
        from inventory.services.zoho_sync import resync_skus_from_zoho

        skus = list(queryset.values_list("sku", flat=True)[:RESYNC_MAX_SKUS])
        try:
            result = resync_skus_from_zoho(skus)
        except ZohoConnection.DoesNotExist:
            self.message_user(request, "No Zoho connection configured.", messages.ERROR)
            return
        except Exception as exc:  # noqa: BLE001 - shown to ops; typed errors carry no secrets
            self.message_user(request, f"Zoho could not be read: {exc}", messages.ERROR)
            return
        text = (
            f"{result['resynced']} SKU(s) read from Zoho, {result['changed']} changed, "
            f"{result['to_push']} quantities to push."
        )
        if result["without_zoho_item"]:
            text += f" Never seen from Zoho (no item id): {', '.join(result['without_zoho_item'][:10])}."
        self.message_user(request, text, messages.SUCCESS if not result["invalid"] else messages.WARNING)

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


@admin.action(
    description="Publish now (re-send every computed quantity, even unchanged)", permissions=["change"]
)
def publish_stock_now(modeladmin, request, queryset):
    """On the marketplace accounts list: corrects quantities changed by hand on the marketplace."""
    accounts = list(queryset)
    request_reallocation(
        all_skus=True, force=True, account_ids=[a.pk for a in accounts], reason="Publish now"
    )
    modeladmin.message_user(
        request,
        f"Publishing every SKU's computed quantity to {', '.join(a.name for a in accounts)} now "
        "(accounts that take no part in the allocation get nothing).",
        messages.SUCCESS,
    )


register_account_action(publish_stock_now)
