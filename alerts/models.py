"""Ops alerts: rules (thresholds as data), alerts (one open per rule + subject), their events, the messages
sent for them (one row per channel and recipient), ops recipients and the Twilio account."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integration_server.fields import EncryptedTextField


class RuleKind(models.TextChoices):
    MISSED_ORDERS = "missed_orders", "Missed orders (not in ShipStation)"
    SHIPSTATION_CREATE_FAILURES = "shipstation_create_failures", "ShipStation order creation failures"
    TRACKING_PUSH_FAILURES = "tracking_push_failures", "Tracking push failures"
    STOCK_DEPLETED = "stock_depleted", "Shadow stock reached 0"
    MARKETPLACE_PULL_FAILING = "marketplace_pull_failing", "Marketplace pull failing (per account)"
    OPEN_ORDERS_CHECK_FAILING = "open_orders_check_failing", "Open-orders check failing (per account)"
    ZOHO_SYNC_FAILING = "zoho_sync_failing", "Zoho sync failing"


class Severity(models.IntegerChoices):
    WARNING = 1, "Warning"
    CRITICAL = 2, "Critical"


class AlertRule(models.Model):
    """One alert rule; thresholds are strict ("more than"). A blank threshold is not used."""

    kind = models.CharField(max_length=40, choices=RuleKind.choices, unique=True)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    warning_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Warning when the count is more than this."
    )
    warning_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Warning when the rate is more than this %.",
    )
    critical_count = models.PositiveIntegerField(null=True, blank=True)
    critical_percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    window_minutes = models.PositiveIntegerField(
        default=60,
        help_text="Failures: counted over this window. Missed orders: orders pulled within this window.",
    )
    grace_minutes = models.PositiveIntegerField(
        default=0, help_text="Missed orders: an order counts as missed once it is this old (SPEC: 30)."
    )
    warning_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Failing rules: warning once failing for this long (minutes)."
    )
    critical_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Failing rules: critical once failing for this long (minutes)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return self.name


class Alert(models.Model):
    """An alert of a rule about one subject ('' = the whole system, or a SKU). At most one open per rule and
    subject (a database constraint): evaluating twice never opens it twice."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLEARED = "cleared", "Cleared"

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    subject = models.CharField(max_length=120, blank=True, default="")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, help_text="The highest severity reached while open."
    )
    figures = models.JSONField(default=dict, blank=True, help_text="The last measured figures.")
    summary = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_evaluated_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"], condition=Q(state="open"), name="alert_one_open_per_rule_subject"
            )
        ]
        indexes = [models.Index(fields=["state", "rule"])]
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.rule} {self.subject}".strip()


class AlertNotice(models.Model):
    """What one evaluation announces for one rule: its events together (one event for a system-wide rule;
    every SKU that ran out, or came back, in that run for the stock rule), so a burst of depletions makes
    one email per recipient, not one per SKU. Messages are sent per notice."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="notices")
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, help_text="The highest severity of its events: critical also goes by SMS."
    )
    title = models.CharField(max_length=200, help_text="Email subject; the SMS text.")
    text = models.TextField(help_text="The details (email body).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class AlertEvent(models.Model):
    """What happened to an alert and was announced: opened, escalated, cleared (each once per severity)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ESCALATED = "escalated", "Escalated"
        CLEARED = "cleared", "Cleared"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    notice = models.ForeignKey(AlertNotice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    figures = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200, help_text="Email subject; the SMS text starts with it.")
    text = models.TextField(help_text="The details (email body).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "kind", "severity"], name="alert_event_once_per_severity"
            )
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


E164 = RegexValidator(r"^\+[1-9]\d{6,14}$", "Phone numbers are in E.164 form: + then 7 to 15 digits.")


class AlertRecipient(models.Model):
    """An ops person: email and phone are personal data, stored encrypted."""

    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    email = EncryptedTextField(blank=True, help_text="Encrypted. Receives warnings and critical alerts.")
    phone = EncryptedTextField(
        blank=True,
        validators=[E164],
        help_text="Encrypted, E.164 (+1415...). Receives critical alerts by SMS.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TwilioAccount(models.Model):
    """The SMS account (Twilio Messages API). The first enabled row is used."""

    name = models.CharField(max_length=100, unique=True, default="Twilio")
    enabled = models.BooleanField(default=True)
    api_base_url = models.URLField(blank=True, help_text="Blank = https://api.twilio.com. A simulator works.")
    account_sid = EncryptedTextField(blank=True, help_text="Encrypted; write-only in the admin.")
    auth_token = EncryptedTextField(blank=True, help_text="Encrypted; write-only in the admin.")
    from_number = models.CharField(
        max_length=40,
        blank=True,
        help_text="Our sending number (E.164) or sender id; or a Messaging Service.",
    )
    messaging_service_sid = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "Twilio account"

    def __str__(self):
        return self.name

    def clean(self):
        from alerts.clients.twilio import API_HOSTS
        from integration_server.vendor_hosts import check_urls

        check_urls(self, "Twilio", {"api_base_url": API_HOSTS})

    @property
    def base_url(self) -> str:
        return self.api_base_url or "https://api.twilio.com"


class AlertMessage(models.Model):
    """One email or SMS of one notice to one recipient: the audit of every send."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failed, will retry"
        FAILED = "failed", "Failed"

    notice = models.ForeignKey(AlertNotice, on_delete=models.CASCADE, related_name="messages")
    recipient = models.ForeignKey(AlertRecipient, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    to = EncryptedTextField(help_text="The address or number it went to (encrypted).")
    to_masked = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    provider_status = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel", "recipient"], name="alert_message_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["state", "channel"])]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.channel} to {self.to_masked}"


class OpenOrdersCheck(models.Model):
    """The last comparison of a marketplace's open orders with ours (for connectors that can list them)."""

    account = models.OneToOneField(
        "marketplaces.MarketplaceAccount", on_delete=models.CASCADE, related_name="+"
    )
    checked_at = models.DateTimeField()
    open_orders = models.PositiveIntegerField(
        default=0, help_text="Open on the marketplace, past the grace time."
    )
    missing = models.PositiveIntegerField(default=0, help_text="Of those, orders we never pulled.")
    missing_sample = models.JSONField(default=list, blank=True, help_text="Up to 20 of their order ids.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Consecutive failed checks.")
    failing_since = models.DateTimeField(null=True, blank=True)
    missing_orders = models.JSONField(
        default=list,
        blank=True,
        help_text="Every one of them as [order id, purchased at]: the evaluation checks them again against "
        "our database, so an order pulled since the check is not counted as never pulled.",
    )
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "marketplace open-orders check"

    def __str__(self):
        return f"{self.account_id} @ {self.checked_at:%Y-%m-%d %H:%M}"
