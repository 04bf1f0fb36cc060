"""Ops UI of the marketplaces app: accounts (credentials write-only and masked), orders with their lines.

Lower apps add their own inlines and actions to the order page with ``register_order_inline`` /
``register_order_action`` (logistics shows the ShipStation state, shipments and jobs there)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_object_actions import ObjectActionsMixin
from integration_server.admin_secrets import (
    Secret,
    WriteOnlySecretsForm,
    mask,  # noqa: F401 - still importable from here
    mask_all,
)
from integration_server.connection_audit import ConnectionAuditMixin
from integration_server.hooks import declare_query
from integration_server.restorable import restorable
from marketplaces.models import MarketplaceAccount, Order, OrderLine

CREDENTIAL_HINTS = {
    "amazon": "client_id, client_secret, refresh_token",
    "ebay": "client_id, client_secret, ru_name, refresh_token (options: listing_model, site_id)",
    "mirakl": "api_key (options: shop_id, acceptance_policy accept_known/refuse/leave, multi_shipment, "
    "warehouse_code)",
    "rithum": "client_id, client_secret (or api_token)",
}


class WriteOnlyJSONField(forms.JSONField):
    """A JSON input that starts empty (not "null") and never shows what is stored."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


def merge_keys(stored, update: dict) -> dict:
    """The stored credentials with the keys of ``update`` set; a key set to None is removed."""
    creds = dict(stored or {})
    for key, value in update.items():
        if value is None:
            creds.pop(key, None)
        else:
            creds[key] = value
    return creds


_EXTRA_ACCOUNT_ACTIONS: list = []


def register_account_action(fn) -> None:
    """Lower apps add admin actions to the account list (inventory: "Publish now")."""
    if fn not in _EXTRA_ACCOUNT_ACTIONS:
        _EXTRA_ACCOUNT_ACTIONS.append(fn)


AMAZON_REGIONS = [
    ("na", "North America (US, CA, MX, BR)"),
    ("eu", "Europe (UK, DE, FR, IT, ES, NL, ...)"),
    ("fe", "Far East (JP, AU, SG)"),
]
AMAZON_ID = RegexValidator(r"^[A-Z0-9]{8,20}$", "Amazon ids are 8-20 capital letters and digits.")
# Amazon form fields -> keys of ``options``
AMAZON_OPTION_FIELDS = {
    "amazon_marketplace_ids": "marketplace_ids",
    "amazon_seller_id": "seller_id",
    "amazon_product_type": "product_type",
    "amazon_region": "region",
}

# The ShipStation stores for the store picker; logistics answers (this app does not import logistics).
SHIPSTATION_STORES = declare_query(
    "shipstation.stores",
    "ask() -> [(store id, label)] of the ShipStation account's active stores, for the account form's store "
    "picker; it may raise (the form then asks for the id by hand); nobody answering (None): no picker.",
    default=None,
)


class MarketplaceAccountForm(WriteOnlySecretsForm):
    amazon_marketplace_ids = forms.CharField(
        required=False,
        label="Marketplace ids",
        help_text="Amazon marketplaces this seller account sells on, comma-separated, e.g. ATVPDKIKX0DER (US), "
        "A2EUQ1WTGCTBG2 (CA). Orders are pulled from these. Blank = US.",
    )
    amazon_seller_id = forms.CharField(
        required=False,
        label="Seller id",
        validators=[AMAZON_ID],
        help_text="Your merchant token (Seller Central → Settings → Account info → Merchant token), needed to "
        "update listing quantities.",
    )
    amazon_product_type = forms.CharField(
        required=False,
        label="Product type",
        help_text="Amazon product type of the listings, sent with quantity updates (e.g. BICYCLE). Blank = "
        "PRODUCT.",
    )
    amazon_region = forms.ChoiceField(
        required=False,
        label="Region",
        choices=[("", "North America (default)"), *AMAZON_REGIONS],
        help_text="The Selling Partner API region of the marketplaces above (picks the API host).",
    )

    secret_input_prefix = "new_"
    secret_fields = (
        Secret(
            "credentials",
            merge=merge_keys,
            field=WriteOnlyJSONField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
                help_text="Write-only. A JSON object of the keys to set, e.g. "
                '{"client_id": "...", "client_secret": "...", "refresh_token": "..."}; a key set to null is '
                "removed. Blank keeps the stored credentials.",
            ),
        ),
    )

    class Meta:
        model = MarketplaceAccount
        fields = (
            "channel",
            "name",
            "enabled",
            "sandbox",
            "api_base_url",
            "auth_base_url",
            "options",
            "shipstation_store_id",
            "pull_interval_minutes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = self.instance.options or {}
        for field, key in AMAZON_OPTION_FIELDS.items():
            value = options.get(key, "")
            self.initial.setdefault(field, ", ".join(value) if isinstance(value, list) else value)
        if "shipstation_store_id" in self.fields:
            self._store_picker(self.fields["shipstation_store_id"])

    @staticmethod
    def _store_picker(field) -> None:
        """The stores of the ShipStation account as suggestions (a datalist); the id can always be typed."""
        try:
            stores = SHIPSTATION_STORES.ask()
        except Exception as exc:  # noqa: BLE001 - any failure: fall back to typing the id
            field.help_text = (
                f"Could not read the stores from ShipStation ({type(exc).__name__}): type the store id by hand "
                "(ShipStation → Settings → Stores)."
            )
            return
        if stores is None:
            return
        field.widget = forms.TextInput(attrs={"list": "shipstation-stores", "inputmode": "numeric"})
        field.help_text = format_html(
            "Pick one of your ShipStation stores, or type its id.{}<datalist id='shipstation-stores'>{}</datalist>",
            format_html(" Stores: {}.", format_html_join(", ", "{} = {}", stores)) if stores else "",
            format_html_join("", "<option value='{}'>{}</option>", stores),
        )

    def clean_amazon_marketplace_ids(self):
        ids = [i.strip().upper() for i in (self.cleaned_data.get("amazon_marketplace_ids") or "").split(",")]
        ids = [i for i in ids if i]
        for value in ids:
            AMAZON_ID(value)
        return ids

    def clean_options(self):
        options = self.cleaned_data.get("options") or {}
        if self.cleaned_data.get("channel") == "ebay" and isinstance(options, dict):
            from marketplaces.connectors.ebay import LISTING_MODELS

            model = options.get("listing_model", "inventory_api")
            if model not in LISTING_MODELS:
                raise forms.ValidationError(
                    f"eBay listing_model must be one of {', '.join(LISTING_MODELS)} (how the listings were made)."
                )
        if self.cleaned_data.get("channel") == "mirakl" and isinstance(options, dict):
            from marketplaces.services.acceptance import POLICIES

            policy = options.get("acceptance_policy", "accept_known")
            if policy not in POLICIES:
                raise forms.ValidationError(
                    f"Mirakl acceptance_policy must be one of {', '.join(POLICIES)} (what to do with an order "
                    "whose SKU is unknown or out of stock)."
                )
        return options

    def clean(self):
        cleaned = super().clean()
        options = cleaned.get("options")
        if cleaned.get("channel") == "amazon" and isinstance(options, dict):
            options = dict(options)
            for field, key in AMAZON_OPTION_FIELDS.items():
                value = cleaned.get(field)
                if value:
                    options[key] = value
                else:
                    options.pop(key, None)
            cleaned["options"] = options
        return cleaned

    def clean_new_credentials(self):
        value = self.cleaned_data.get("new_credentials")
        if value in (None, ""):
            return None
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object.")
        return value


@admin.register(MarketplaceAccount)
class MarketplaceAccountAdmin(ConnectionAuditMixin, SimpleHistoryAdmin):
    form = MarketplaceAccountForm
    list_display = (
        "name",
        "channel",
        "enabled",
        "sandbox",
        "shipstation_store_id",
        "pull_interval_minutes",
        "orders_watermark",
        "last_pull_at",
        "pull_ok",
        "pull_health",
        "credentials_ok",
        "channel_support",
    )
    list_filter = ("channel", "enabled", "sandbox")
    change_form_template = "admin/marketplaces/marketplaceaccount/change_form.html"
    actions = ["check_connection_action"]
    search_fields = ("name",)
    readonly_fields = (
        "channel_support",
        "stored_credentials",
        "orders_watermark",
        "last_pull_at",
        "last_pull_error",
        "last_pull_success_at",
        "pull_failures",
        "pull_failing_since",
        "pull_checkpoint_since",
        "pull_checkpoint_until",
        "pull_checkpoint_at",
        "created_at",
        "refresh_token_issued_at",
        "refresh_token_age",
        "auth_problem",
        "config_problem",
    )
    fieldsets = (
        (None, {"fields": ("channel", "channel_support", "name", "enabled", "sandbox")}),
        (
            "Connection",
            {"fields": ("api_base_url", "auth_base_url", "stored_credentials", "new_credentials", "options")},
        ),
        (
            "Amazon options (Amazon accounts only; other channels use the options above)",
            {"fields": tuple(AMAZON_OPTION_FIELDS)},
        ),
        (
            "Credentials health",
            {"fields": ("refresh_token_issued_at", "refresh_token_age", "auth_problem", "config_problem")},
        ),
        ("Orders", {"fields": ("shipstation_store_id", "pull_interval_minutes", "orders_watermark")}),
        (
            "Last pull",
            {
                "fields": (
                    "last_pull_at",
                    "last_pull_error",
                    "last_pull_success_at",
                    "pull_failures",
                    "pull_failing_since",
                    "created_at",
                )
            },
        ),
        (
            "Interrupted pull (resumes at the next run)",
            {"fields": ("pull_checkpoint_since", "pull_checkpoint_until", "pull_checkpoint_at")},
        ),
    )

    @admin.display(description="credentials (masked)")
    def stored_credentials(self, obj):
        creds = obj.credentials or {}
        hint = CREDENTIAL_HINTS.get(obj.channel, "")
        if not creds:
            return f"none stored (expected: {hint})" if hint else "none stored"
        return mask_all(sorted(creds.items()))

    @admin.display(description="channel")
    def channel_support(self, obj):
        """Said plainly: a channel without a connector takes no part in orders or stock (issue 16)."""
        from marketplaces.connectors.base import connector_class

        if connector_class(obj.channel) is None:
            return format_html(
                '<strong style="color:#ba2121">{}</strong>',
                f"not supported yet (no {obj.get_channel_display()} connector): no orders pulled, no stock published",
            )
        if not obj.enabled:
            return "disabled: no orders pulled, no stock published"
        return "supported"

    @admin.display(description="pull health")
    def pull_health(self, obj):
        """Last success, and the run of failures with the last error (issue 16)."""
        success = obj.last_pull_success_at.strftime("%Y-%m-%d %H:%M") if obj.last_pull_success_at else "never"
        if not obj.pull_failures:
            return f"OK, last success {success}"
        return format_html(
            '<strong style="color:#ba2121">{} consecutive failure(s)</strong>, last success {}: {}',
            obj.pull_failures,
            success,
            obj.last_pull_error[:200],
        )

    @admin.display(description="last pull ok", boolean=True)
    def pull_ok(self, obj):
        return None if obj.last_pull_at is None else not obj.last_pull_error

    # --- issue 13: credentials health and "Check connection" ------------------------------------------------
    @admin.display(description="credentials ok", boolean=True)
    def credentials_ok(self, obj):
        from marketplaces.connectors.ebay import refresh_token_age_warning

        return not (obj.auth_problem or obj.config_problem or refresh_token_age_warning(obj))

    @admin.display(description="refresh token age")
    def refresh_token_age(self, obj):
        from marketplaces.connectors.ebay import refresh_token_age_warning

        if obj.refresh_token_issued_at is None:
            return "unknown (set when a refresh token is stored)"
        warning = refresh_token_age_warning(obj)
        if warning:
            return format_html('<strong style="color:#ba2121">{}</strong>', warning)
        return f"{(timezone.now() - obj.refresh_token_issued_at).days} day(s)"

    def save_model(self, request, obj, form, change):
        if "refresh_token" in (form.cleaned_data.get("new_credentials") or {}):
            obj.auth_problem = ""
            if obj.channel == "ebay":  # eBay refresh tokens expire (about 18 months): their age is watched
                obj.refresh_token_issued_at = timezone.now()
        if change and {"options", "channel"} & set(form.changed_data):
            obj.config_problem = ""  # ops changed the setting the marketplace rejected: the next push tells
        super().save_model(request, obj, form, change)
        from marketplaces.services.account_events import account_changed

        account_changed(obj, set(form.changed_data), created=not change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not actions:  # a popup, or a user allowed no action at all
            return actions
        for fn in _EXTRA_ACCOUNT_ACTIONS:
            needed = getattr(fn, "allowed_permissions", None)
            if not needed or not all(getattr(self, f"has_{p}_permission")(request) for p in needed):
                continue  # an action must declare what it needs; undeclared is never offered
            actions[fn.__name__] = (fn, fn.__name__, getattr(fn, "short_description", fn.__name__))
        return actions

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/check-connection/",
                self.admin_site.admin_view(self.check_connection_view),
                name="marketplaces_marketplaceaccount_check_connection",
            )
        ]
        return urls + super().get_urls()

    def _report_checks(self, request, account) -> None:
        from marketplaces.services.connection import check_account_connection

        for check in check_account_connection(account):
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{account.name}: {check.name}: {check.detail}", level)

    def check_connection_view(self, request, object_id):
        account = self.get_object(request, object_id)
        if account is None or not self.has_change_permission(request, account):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._report_checks(request, account)
        return redirect("admin:marketplaces_marketplaceaccount_change", account.pk)

    @admin.action(description="Check connection (harmless reads)", permissions=["change"])
    def check_connection_action(self, request, queryset):
        for account in queryset[:10]:
            self._report_checks(request, account)


class OrderLineInline(ReadOnlyTabularInline):
    model = OrderLine
    fields = ("line_id", "sku", "title", "quantity", "unit_price", "refused_reason")


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "problem"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return (("yes", "Flagged / has a problem"),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(problem="")
        return queryset


_EXTRA_INLINES: list = restorable([])
_EXTRA_ACTIONS: list = restorable([])
_OBJECT_ACTIONS: list = restorable(
    []
)  # buttons on an order's page (other apps add theirs: register_order_object_action)


def register_order_inline(inline_cls) -> None:
    if inline_cls not in _EXTRA_INLINES:
        _EXTRA_INLINES.append(inline_cls)


def register_order_action(fn) -> None:
    if fn not in _EXTRA_ACTIONS:
        _EXTRA_ACTIONS.append(fn)


def register_order_object_action(action) -> None:
    if all(a.name != action.name for a in _OBJECT_ACTIONS):
        _OBJECT_ACTIONS.append(action)


@admin.register(Order)
class OrderAdmin(ObjectActionsMixin, admin.ModelAdmin):
    object_actions = _OBJECT_ACTIONS
    list_display = (
        "marketplace_order_id",
        "account",
        "state",
        "marketplace_status",
        "purchased_at",
        "order_total",
        "currency",
        "problem",
        "created_at",
    )
    list_filter = (
        "state",
        "problem_kind",
        "account__channel",
        "account",
        NeedsAttentionFilter,
        "marketplace_status",
        "created_at",
    )
    list_select_related = ("account",)
    search_fields = ("=marketplace_order_id", "lines__sku")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    show_full_result_count = False
    inlines = [OrderLineInline]
    readonly_fields = (
        "account",
        "marketplace_order_id",
        "marketplace_status",
        "sales_channel",
        "purchased_at",
        "marketplace_updated_at",
        "currency",
        "order_total",
        "shipping_amount",
        "tax_amount",
        "ship_by",
        "shipping_service",
        "ship_to",
        "raw_payload",
        "created_at",
        "updated_at",
    )
    fields = ("state", "problem_kind", "problem", *readonly_fields)

    def get_inlines(self, request, obj):
        return [*self.inlines, *_EXTRA_INLINES]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not actions:  # a popup, or a user allowed no action at all
            return actions
        for fn in _EXTRA_ACTIONS:
            needed = getattr(fn, "allowed_permissions", None)
            if not needed or not all(getattr(self, f"has_{p}_permission")(request) for p in needed):
                continue  # an action must declare what it needs; undeclared is never offered
            actions[fn.__name__] = (fn, fn.__name__, getattr(fn, "short_description", fn.__name__))
        return actions

    def has_add_permission(self, request):
        return False

    @admin.display(description="buyer / ship to")
    def ship_to(self, obj):
        buyer = obj.buyer or {}
        address = buyer.get("ship_to") or {}
        parts = [buyer.get("name"), address.get("city"), address.get("state"), address.get("country")]
        return ", ".join(p for p in parts if p) or "-"

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, may_have_duplicates


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
