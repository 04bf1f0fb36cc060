"""Ops UI of the notifications app: the email log customer service searches (order number, tracking number,
email address although it is encrypted), filters, "send again", CSV/XLSX export (django-import-export), and a template preview."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportActionMixin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_object_actions import ObjectAction, ObjectActionsMixin
from integration_server.crypto import lookup_hash
from integration_server.safe_urls import EMAIL_CSP
from integration_server.spreadsheets import EXPORT_FORMATS
from notifications.models import Notification, NotificationEvent, NotificationKind
from notifications.resources import NotificationResource
from notifications.services.preview import sample_context, shop_sample_context
from notifications.services.records import resend, sender_for
from notifications.services.sending import render_email


class NotificationEventInline(ReadOnlyTabularInline):
    model = NotificationEvent
    fields = ("event_type", "occurred_at", "reject_reason", "mta_response", "esp_name", "event_id")


def _explain_resend(notification) -> str:
    return (
        f"The email “{notification.get_kind_display()}” of order {notification.order_number or '-'} will be sent "
        "again to the customer's address, as a new record pointing at this one (the log keeps both)."
    )


def _resend_one(request, notification) -> str:
    copy = resend(notification, requested_by=request.user.get_username())
    return f"Email queued to be sent again (record #{copy.pk})."


SEND_AGAIN = ObjectAction(
    "send-again",
    "Send again",
    "notifications.resend_notification",
    explain=_explain_resend,
    run=_resend_one,
    applies=lambda n: bool(n.recipient_hash),
)


@admin.register(Notification)
class NotificationAdmin(ObjectActionsMixin, ExportActionMixin, admin.ModelAdmin):
    object_actions = [SEND_AGAIN]
    list_display = (
        "id",
        "kind",
        "state",
        "order_number",
        "tracking_number",
        "tracking_status",
        "subject_or_reason",
        "attempts",
        "created_at",
        "sent_at",
        "resend_marker",
    )
    list_filter = ("kind", "state", ("created_at", admin.DateFieldListFilter), "shop")
    list_select_related = ("shop",)
    search_fields = ("order_number", "tracking_number", "=provider_message_id")
    search_help_text = "Order number, tracking number, or the customer's full email address."
    date_hierarchy = "created_at"
    ordering = ("-id",)
    inlines = [NotificationEventInline]
    actions = ["send_again"]  # and "Export selected" (ExportActionMixin, formulas escaped)
    resource_classes = [NotificationResource]
    formats = EXPORT_FORMATS
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "notifications/admin_change_list.html"
    fields = (
        "kind",
        "state",
        "customer_email",
        "from_email",
        "subject",
        "order_number",
        "tracking_number",
        "tracking_status",
        "event_at",
        "attempts",
        "error",
        "provider_message_id",
        "dedupe_key",
        "resend_of",
        "requested_by",
        "created_at",
        "sent_at",
        "delivered_at",
        "bounced_at",
        "shipment",
        "shop",
        "preview_link",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    # Customer service's own permissions (see integration_server.roles); the list and search need view.
    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_notification")

    def has_preview_permission(self, request):
        return request.user.has_perm("notifications.preview_notification")

    def has_export_permission(self, request):
        return request.user.has_perm("notifications.export_notification")

    @admin.display(description="customer email")
    def customer_email(self, obj):
        return obj.recipient

    @admin.display(description="subject / reason")
    def subject_or_reason(self, obj):
        text = obj.error if obj.state in ("failed", "suppressed", "bounced") else obj.subject
        return (text[:90] + "…") if len(text) > 90 else text

    @admin.display(description="resend", boolean=True)
    def resend_marker(self, obj):
        return obj.resend_of_id is not None

    @admin.display(description="rendered email")
    def preview_link(self, obj):
        if not obj.pk:
            return ""
        url = reverse("admin:notifications_notification_render", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">Show the email as sent</a>', url)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if "@" in term:  # the address is encrypted: look it up by its keyed hash
            return queryset.filter(recipient_hash=lookup_hash(term)), False
        return super().get_search_results(request, queryset, term)

    @admin.action(
        description="Send again (a deliberate resend, recorded as a new email)", permissions=["resend"]
    )
    def send_again(self, request, queryset):
        """Asks first, saying how many emails go to how many customers; sends on the confirming POST."""
        selected = queryset.exclude(recipient_hash="")
        if request.POST.get("confirm") != "yes":
            figures = selected.aggregate(emails=Count("id"), customers=Count("recipient_hash", distinct=True))
            context = {
                **self.admin_site.each_context(request),
                "title": "Send these emails again?",
                "opts": self.model._meta,
                "queryset": queryset,
                "emails": figures["emails"],
                "customers": figures["customers"],
                "skipped": queryset.count() - figures["emails"],
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
                "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "notifications/admin_send_again_confirm.html", context)
        count = 0
        for notification in selected.iterator(chunk_size=200):
            resend(notification, requested_by=request.user.get_username())
            count += 1
        self.message_user(request, f"{count} email(s) queued to be sent again.", messages.SUCCESS)
        return None

    @admin.action(description="Export selected notifications (CSV or XLSX)", permissions=["export"])
    def export_admin_action(self, request, queryset):
        return super().export_admin_action(request, queryset)

    def get_valid_export_item_pks(self, request):
        """Only the rows asked for (import-export's default lists every notification's id)."""
        wanted = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return list(self.get_queryset(request).filter(pk__in=wanted).values_list("pk", flat=True))

    # --- extra views: template preview with sample data, and a record's email as sent -------------------
    def get_urls(self):
        extra = [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_index),
                name="notifications_notification_preview_index",
            ),
            path(
                "preview/<str:kind>/",
                self.admin_site.admin_view(self.preview_kind),
                name="notifications_notification_preview",
            ),
            path(
                "<int:pk>/render/",
                self.admin_site.admin_view(self.render_record),
                name="notifications_notification_render",
            ),
        ]
        return extra + super().get_urls()

    def preview_index(self, request):
        self._require_preview(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Email templates: preview with sample data",
            "kinds": [
                (
                    kind.value,
                    kind.label,
                    reverse("admin:notifications_notification_preview", args=[kind.value]),
                )
                for kind in NotificationKind
            ],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "notifications/admin_preview_index.html", context)

    def preview_kind(self, request, kind):
        """Sample data; with ``?shop=<id>`` as that shop's customers get it (brand, sender, subject)."""
        self._require_preview(request)
        if kind not in NotificationKind.values:
            raise Http404("no such email")
        shop = _shop_for_preview(request.GET.get("shop"))
        if shop is None:
            return _rendered(kind, sample_context(kind), request.GET.get("format"))
        context = shop_sample_context(shop, kind)
        return _rendered(kind, context, request.GET.get("format"), from_email=sender_for(shop))

    def _require_preview(self, request) -> None:
        if not self.has_preview_permission(request):
            raise PermissionDenied

    def render_record(self, request, pk):
        self._require_preview(request)
        notification = Notification.objects.filter(pk=pk).first()
        if notification is None:
            raise Http404("no such notification")
        return _rendered(notification.kind, notification.context, request.GET.get("format"))

    def changelist_view(self, request, extra_context=None):
        extra = {}
        if self.has_preview_permission(request):
            extra["preview_url"] = reverse("admin:notifications_notification_preview_index")
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})


def _shop_for_preview(shop_id):
    from logistics.models import ShopifyShop

    if not shop_id or not str(shop_id).isdigit():
        return None
    return ShopifyShop.objects.filter(pk=int(shop_id)).first()


def _rendered(kind: str, context: dict, fmt: str | None, from_email: str = "") -> HttpResponse:
    """The email as a page of its own; its CSP forbids scripts, forms, frames and any fetch but images."""
    response = _email_page(kind, context, fmt, from_email)
    response["Content-Security-Policy"] = EMAIL_CSP
    return response


def _email_page(kind: str, context: dict, fmt: str | None, from_email: str) -> HttpResponse:
    subject, text, html = render_email(kind, context)
    if fmt == "text":
        sender = f"From: {from_email}\n" if from_email else ""
        return HttpResponse(f"{sender}Subject: {subject}\n\n{text}", content_type="text/plain; charset=utf-8")
    if from_email:
        header = format_html(
            '<div style="font:13px Arial,sans-serif;padding:8px;background:#fef3c7;">'
            "<strong>From:</strong> {}<br><strong>Subject:</strong> {}</div>",
            from_email,
            subject,
        )
        return HttpResponse(header + html)
    return HttpResponse(html)
