"""Ops UI of the kernel: outbound jobs (with attempts, retry now, cancel), raw payloads, schedule runs."""

from axes.admin import AccessAttemptAdmin
from django.contrib import admin, messages
from django.contrib.admin.options import FORMFIELD_FOR_DBFIELD_DEFAULTS
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from django_q import admin as django_q_admin

from integration_server.admin_inlines import ReadOnlyTabularInline
from integration_server.admin_object_actions import ObjectAction, ObjectActionsMixin
from integration_server.admin_secrets import HTTPS_URL_OVERRIDES
from integration_server.models import (
    ConnectionChange,
    JobAttempt,
    OutboundJob,
    RawPayload,
    ScheduleRun,
    WorkerHeartbeat,
)
from integration_server.outbox import runner
from integration_server.outbox.registry import policy_for

# Every URL field of every admin form registered after this module (the apps' admins: the kernel comes first in
# INSTALLED_APPS) takes http(s) addresses only, and reads a typed host as https://.
FORMFIELD_FOR_DBFIELD_DEFAULTS[models.URLField] = {
    **FORMFIELD_FOR_DBFIELD_DEFAULTS.get(models.URLField, {}),
    **HTTPS_URL_OVERRIDES[models.URLField],
}

# Third-party actions that declare no permission: running a task again needs change, and removing the
# expired login lockouts (django-axes) delete.
django_q_admin.resubmit_task.allowed_permissions = ("change",)
AccessAttemptAdmin.cleanup_expired_attempts.allowed_permissions = ("delete",)


class JobAttemptInline(ReadOnlyTabularInline):
    model = JobAttempt
    fields = ("number", "started_at", "duration_ms", "outcome", "error")
    ordering = ("-number",)


def _explain_retry(job) -> str:
    policy = policy_for(job.kind)
    budget = f" with a fresh budget of {policy.max_retries} retries" if policy else ""
    return (
        f"Job #{job.pk} ({job.kind}, now {job.get_state_display().lower()}) will be run again at once{budget}. "
        "Whatever it does outside (an order created, tracking or stock pushed, an email sent) happens again if "
        "the vendor takes it this time."
    )


def _explain_cancel(job) -> str:
    return (
        f"Job #{job.pk} ({job.kind}) will be cancelled: it will not be tried again, and nothing it would have "
        "sent goes out. Retry now brings it back."
    )


def _retry_one(request, job) -> str:
    return (
        f"Job #{job.pk} queued to run now."
        if runner.retry_now([job.pk])
        else f"Job #{job.pk} was not retried."
    )


def _cancel_one(request, job) -> str:
    return (
        f"Job #{job.pk} cancelled." if runner.cancel([job.pk]) else f"Job #{job.pk} was not pending any more."
    )


JOB_ACTIONS = [
    ObjectAction(
        "retry",
        "Retry now",
        "integration_server.change_outboundjob",
        explain=_explain_retry,
        run=_retry_one,
        applies=lambda job: job.state not in (OutboundJob.State.RUNNING, OutboundJob.State.SUCCEEDED),
    ),
    ObjectAction(
        "cancel",
        "Cancel",
        "integration_server.change_outboundjob",
        explain=_explain_cancel,
        run=_cancel_one,
        applies=lambda job: job.state == OutboundJob.State.PENDING,
    ),
]


@admin.register(OutboundJob)
class OutboundJobAdmin(ObjectActionsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "group_key",
        "state",
        "attempts",
        "retries",
        "next_attempt_at",
        "short_error",
        "created_at",
    )
    list_filter = ("state", "kind", "needs_attention")
    search_fields = ("=id", "dedupe_key", "group_key", "last_error")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    inlines = [JobAttemptInline]
    actions = ["retry_now", "cancel"]
    object_actions = JOB_ACTIONS
    readonly_fields = [f.name for f in OutboundJob._meta.fields if f.name != "retries_used"] + ["retries"]
    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description="retries used")
    def retries(self, obj):
        """Retries, not attempts: the try that used up the policy counts as a failed try, not as a retry
        (a create with 3 retries that failed every time: 4 attempts, 3 retries). Throttled waits are no
        retries either (SPEC 4)."""
        policy = policy_for(obj.kind)
        return min(obj.retries_used, policy.max_retries) if policy else obj.retries_used

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        count = runner.retry_now(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} job(s) queued to run now.", messages.SUCCESS)

    @admin.action(description="Cancel (pending jobs only)", permissions=["change"])
    def cancel(self, request, queryset):
        count = runner.cancel(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} job(s) cancelled.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        summary = (
            OutboundJob.objects.values("kind", "state").annotate(n=Count("id")).order_by("kind", "state")
        )
        return super().changelist_view(request, extra_context={**(extra_context or {}), "summary": summary})


@admin.register(RawPayload)
class RawPayloadAdmin(admin.ModelAdmin):
    """Bodies are encrypted and may hold personal data: the admin shows their size, never their content."""

    list_display = ("id", "source", "kind", "external_id", "state", "received_at")
    list_filter = ("source", "state", "kind")
    search_fields = ("external_id", "delivery_id")
    date_hierarchy = "received_at"
    fields = (
        "source",
        "kind",
        "delivery_id",
        "external_id",
        "received_at",
        "state",
        "processed_at",
        "error",
        "body_size",
    )
    readonly_fields = fields
    ordering = ("-id",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body")

    @admin.display(description="body")
    def body_size(self, obj):
        return format_html(
            "<i>{} encrypted bytes stored</i>",
            len(RawPayload.objects.filter(pk=obj.pk).values_list("body", flat=True)[0] or b""),
        )


@admin.register(ConnectionChange)
class ConnectionChangeAdmin(admin.ModelAdmin):
    """Who changed which account's base URL (old -> new host) or credential (set / replaced / cleared)."""

    list_display = ("changed_at", "changed_by", "account", "account_type", "kind", "field", "change")
    list_filter = ("kind", "account_type", ("changed_at", admin.DateFieldListFilter))
    search_fields = ("account", "changed_by", "field")
    date_hierarchy = "changed_at"
    ordering = ("-changed_at", "-id")
    show_full_result_count = False

    @admin.display(description="old -> new")
    def change(self, obj):
        return f"{obj.old_value or '-'} -> {obj.new_value or '-'}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_started_at", "last_success_at", "last_error")
    readonly_fields = ("name", "last_started_at", "last_success_at", "last_error")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at")
