"""Eccang (易仓) ERP: the tenant account, the after-sales rules, the editable status mapping, and one row per
(reference_no, status) seen (the dedupe of SPEC 6)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from integration_server.fields import EncryptedTextField

__all__ = [
    "DEFAULT_FIELD_NAMES",
    "DEFAULT_STATUS_MAP",
    "EccangAccount",
    "EccangAfterSalesRule",
    "EccangOrderStatus",
    "EccangStatusMapping",
    "StatusMeaning",
]

ECCANG_ENDPOINT = "http://openapi-web.eccang.com/openApi/api/unity"

# Our meaning -> candidate item field names, first non-empty wins; dotted = nested (reference/eccang.md).
DEFAULT_FIELD_NAMES = {
    "reference_no": ["reference_no", "refrence_no", "refrence_no_platform", "order_code"],
    "tracking_number": ["shipper_hawbcode", "tracking_number", "channel_hawbcode"],
    "shipping_method": ["shipping_method"],
    "cargo_type": ["mail_cargo_type"],
    "warehouse_code": ["warehouse_code"],
    "is_return": ["is_return"],
    "status": ["status", "order_status"],
    "email": ["Consignee.consignee_email", "buyer_email"],
    "name": ["Consignee.consignee_name"],
    "modify_date": ["modify_date"],
}


class StatusMeaning(models.TextChoices):
    SHIPPED = "shipped", "Shipped (track the parcel, shipped email)"
    PROBLEM = "problem", "Problem the customer sees (exception email)"
    CANCELLED = "cancelled", "Cancelled (no email; map to Problem to tell the customer)"
    OTHER = "other", "Other (nothing to do)"


# The source doc's guess (P pending, S shipped, C completed/delivered, E exception): C still means the parcel
# left, so it is tracked too (an order first seen at C would otherwise never be). Editable per account.
DEFAULT_STATUS_MAP = {
    "P": (StatusMeaning.OTHER, "Pending (source doc guess)"),
    "S": (StatusMeaning.SHIPPED, "Shipped (source doc guess)"),
    "C": (StatusMeaning.SHIPPED, "Completed / delivered (source doc guess)"),
    "E": (StatusMeaning.PROBLEM, "Exception (source doc guess)"),
}


def default_field_names() -> dict:
    return {k: list(v) for k, v in DEFAULT_FIELD_NAMES.items()}


class EccangAccount(models.Model):
    """The Eccang open-platform tenant (SPEC 1: one). The app secret is encrypted and write-only."""

    class SignCase(models.TextChoices):
        UPPER = "upper", "UPPERCASE hex (source doc)"
        LOWER = "lower", "lowercase hex (public clients)"

    class WindowMode(models.TextChoices):
        MODIFY = "modify", "Modify time since the watermark (minus the overlap)"
        CREATED = "created", "Trailing created-date window (days)"

    name = models.CharField(max_length=100, unique=True, default="eccang")
    enabled = models.BooleanField(default=True)
    api_base_url = models.URLField(
        blank=True, help_text=f"The full endpoint. Blank = {ECCANG_ENDPOINT}. A simulator's URL works too."
    )
    app_key = models.CharField(max_length=200)
    service_id = models.CharField(max_length=200)
    app_secret = EncryptedTextField(
        blank=True, default="", help_text="Only signs requests, never sent. Encrypted; write-only."
    )
    sign_case = models.CharField(
        max_length=5,
        choices=SignCase.choices,
        default=SignCase.UPPER,
        help_text="Hex case of the MD5 signature; also what /webhook/yicang expects.",
    )
    api_version = models.CharField(max_length=20, default="1.0.0", blank=True)
    poll_interval_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(5), MaxValueValidator(10)], help_text="5 to 10 (SPEC 6)."
    )
    window_mode = models.CharField(max_length=8, choices=WindowMode.choices, default=WindowMode.MODIFY)
    window_start_key = models.CharField(
        max_length=60,
        default="modify_date_start",
        help_text="getOrderList condition key of the window start (unconfirmed; created_date_start is known to work).",
    )
    window_end_key = models.CharField(max_length=60, default="modify_date_end")
    overlap_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Each modify-time poll starts this long before the watermark."
    )
    created_window_days = models.PositiveSmallIntegerField(
        default=14, help_text="Length of the trailing window in created-date mode."
    )
    server_timezone = models.CharField(
        max_length=40, default="Asia/Shanghai", help_text="Time zone of Eccang's date strings."
    )
    page_size = models.PositiveSmallIntegerField(default=100, validators=[MinValueValidator(1)])
    field_names = models.JSONField(
        default=default_field_names,
        blank=True,
        help_text="Our meaning -> item field names to try in order (dotted = nested). Missing keys use defaults.",
    )
    watermark = models.DateTimeField(
        null=True, blank=True, help_text="End of the last complete poll window (UTC)."
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_result = models.JSONField(default=dict, blank=True)
    seen_statuses = models.JSONField(
        default=list, blank=True, help_text="Every distinct status value seen, to confirm the mapping."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from integration_server.vendor_hosts import check_urls
        from logistics.eccang.client import API_HOSTS

        check_urls(self, "Eccang", {"api_base_url": API_HOSTS})

    def fields_for(self, meaning: str) -> list[str]:
        names = (self.field_names or {}).get(meaning) or DEFAULT_FIELD_NAMES.get(meaning, [])
        return [names] if isinstance(names, str) else list(names)

    def ensure_default_status_map(self) -> None:
        EccangStatusMapping.objects.bulk_create(
            [
                EccangStatusMapping(account=self, code=code, meaning=meaning, note=note)
                for code, (meaning, note) in DEFAULT_STATUS_MAP.items()
            ],
            ignore_conflicts=True,
        )


class EccangAfterSalesRule(models.Model):
    """An order is after-sales when ANY enabled rule matches. No enabled rule = no order is after-sales."""

    class Kind(models.TextChoices):
        SHIPPING_METHOD = "shipping_method", "Shipping method code is"
        CARGO_TYPE = "cargo_type", "Cargo type (mail_cargo_type) is"
        WAREHOUSE_CODE = "warehouse_code", "Warehouse code is"
        REFERENCE_PREFIX = "reference_prefix", "Reference number starts with"
        RETURN_FLAG = "return_flag", "Return flag (is_return) is"

    account = models.ForeignKey(EccangAccount, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    values = models.CharField(
        max_length=500, help_text="Comma-separated; any one matches (case-insensitive). Return flag: Y or N."
    )
    enabled = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.values}"

    def value_list(self) -> list[str]:
        return [v.strip() for v in self.values.split(",") if v.strip()]


class EccangStatusMapping(models.Model):
    """Eccang status code -> what it means for us (the P/S/C/E codes are a guess: edit here)."""

    account = models.ForeignKey(EccangAccount, on_delete=models.CASCADE, related_name="status_mappings")
    code = models.CharField(max_length=20)
    meaning = models.CharField(max_length=10, choices=StatusMeaning.choices, default=StatusMeaning.OTHER)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="eccang_status_code_once")]

    def __str__(self):
        return f"{self.code} -> {self.meaning}"


class EccangOrderStatus(models.Model):
    """One (reference_no, status) seen, by poll or push: a repeat changes nothing (unique constraint)."""

    account = models.ForeignKey(EccangAccount, on_delete=models.PROTECT, related_name="order_statuses")
    reference_no = models.CharField(max_length=100)
    status = models.CharField(max_length=20)
    meaning = models.CharField(max_length=10, choices=StatusMeaning.choices)
    after_sales = models.BooleanField(default=False)
    matched_rule = models.CharField(max_length=200, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True, db_index=True)
    shipping_method = models.CharField(max_length=60, blank=True)
    warehouse_code = models.CharField(max_length=60, blank=True)
    modify_date = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True, help_text="What was done with it.")
    via = models.CharField(max_length=10, default="poll", help_text="poll or push")
    raw_payload_id = models.BigIntegerField(null=True, blank=True)
    tracked_shipment = models.ForeignKey(
        "logistics.TrackedShipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "Eccang order status"
        verbose_name_plural = "Eccang order statuses"
        ordering = ["-seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference_no", "status"], name="eccang_reference_status_once")
        ]
        indexes = [models.Index(fields=["after_sales", "meaning"], name="eccang_status_after_sales")]

    def __str__(self):
        return f"{self.reference_no} {self.status}"
