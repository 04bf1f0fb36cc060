"""The shared kernel's state: raw payloads, the outbox (jobs and attempts), schedule runs, rate buckets."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from integration_server.fields import EncryptedBinaryField


class RawPayload(models.Model):
    """Every inbound webhook body and every external record pulled from an API, encrypted, kept 90 days."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=40)
    kind = models.CharField(max_length=80, blank=True)
    delivery_id = models.CharField(max_length=200, help_text="The vendor's delivery id, or a body digest.")
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    body = EncryptedBinaryField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "delivery_id"], name="raw_payload_unique_delivery")
        ]
        indexes = [models.Index(fields=["source", "kind", "state"])]

    def __str__(self):
        return f"{self.source}/{self.kind or '-'} {self.delivery_id[:24]}"


class OutboundJob(models.Model):
    """One call that changes something outside, written in the transaction of the change that needs it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=64)
    group_key = models.CharField(
        max_length=120,
        blank=True,
        default="",
        help_text="Jobs of one kind and group run together in a batch.",
    )
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Every try, throttled ones included.")
    retries_used = models.PositiveIntegerField(
        default=0, help_text="Failed tries counted against the policy."
    )
    # database defaults too: the webhook fast path writes jobs with a raw INSERT naming only its columns
    lease_expiries = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text="Tries in a row whose worker was lost (lease expired); no retry is spent on them.",
    )
    needs_attention = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Its worker was lost too many times in a row: ops should look at it.",
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="outbound_job_unique_dedupe",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_job_due"),
            models.Index(fields=["kind", "group_key", "state"], name="outbound_job_kind_group"),
            models.Index(fields=["state", "lease_expires_at"], name="outbound_job_lease"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def result(self):
        """What the handler returned on the last successful attempt (None if none succeeded)."""
        return (
            self.attempt_rows.filter(outcome="succeeded")
            .order_by("-number")
            .values_list("result", flat=True)
            .first()
        )


class JobAttempt(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        RETRY = "retry", "Failed, will retry"
        THROTTLED = "throttled", "Throttled, will wait"
        FAILED = "failed", "Failed"
        LEASE_EXPIRED = "lease_expired", "Worker lost (lease expired)"

    job = models.ForeignKey(OutboundJob, on_delete=models.CASCADE, related_name="attempt_rows")
    kind = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True, help_text="What the handler returned on success.")

    class Meta:
        indexes = [models.Index(fields=["kind", "outcome", "started_at"], name="job_attempt_rate")]
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind} #{self.job_id} try {self.number}: {self.outcome}"


class ScheduleRun(models.Model):
    """The last successful run of each schedule, for /healthz."""

    name = models.CharField(max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name


class WorkerHeartbeat(models.Model):
    name = models.CharField(max_length=100, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return self.name


class RateLimitBucket(models.Model):
    """Pacing shared by every worker process: the theoretical arrival time of the next call (GCRA)."""

    key = models.CharField(max_length=200, primary_key=True)
    next_free_at = models.DateTimeField()
    interval_seconds = models.FloatField(
        null=True,
        blank=True,
        help_text="The spacing next_free_at was booked with (re-based when it changes).",
    )
    recent = models.JSONField(
        default=list, blank=True, help_text="Rolling-window budgets: the times (epoch s) of the calls booked."
    )

    def __str__(self):
        return self.key


class ConnectionChange(models.Model):
    """A change of a vendor account's base URL or of one of its credentials: who, when, which account, and
    the host before and after (scheme://host:port) or, for a credential, only set / replaced / cleared."""

    class Kind(models.TextChoices):
        BASE_URL = "base_url", "Base URL"
        CREDENTIAL = "credential", "Credential"

    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.CharField(max_length=150, blank=True)
    account_type = models.CharField(max_length=100, help_text="app_label.model of the account.")
    account_id = models.CharField(max_length=64)
    account = models.CharField(max_length=200, help_text="The account's name when changed.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    field = models.CharField(max_length=100)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["account_type", "account_id"], name="connection_change_account")]

    def __str__(self):
        return f"{self.account}: {self.field}"
