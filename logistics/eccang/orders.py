"""Reading Eccang order items through the configurable field names, the after-sales rules and the status
mapping (pure: no database, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHIPPED, PROBLEM, CANCELLED, OTHER = "shipped", "problem", "cancelled", "other"
RULE_KINDS = ("shipping_method", "cargo_type", "warehouse_code", "reference_prefix", "return_flag")
NO_RULES = "No after-sales rule set: no Eccang order is treated as after-sales."


@dataclass(frozen=True)
class EccangOrder:
    reference_no: str
    status: str
    tracking_number: str = ""
    shipping_method: str = ""
    cargo_type: str = ""
    warehouse_code: str = ""
    is_return: str = ""
    email: str = ""
    name: str = ""
    modify_date: datetime | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Rule:
    kind: str
    values: tuple[str, ...]
    label: str = ""


def lookup(item: dict, names: list[str]) -> str:
    """The first non-empty value among ``names`` (dotted names reach into nested objects)."""
    for name in names:
        value = item
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return ""


def parse_date(value: str, tz_name: str) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)
        except ValueError:
            continue
    return None


def format_date(when: datetime, tz_name: str) -> str:
    return when.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M:%S")


def parse_order(item: dict, fields_for, tz_name: str = "Asia/Shanghai") -> EccangOrder | None:
    """One ``getOrderList`` item -> EccangOrder, or None without a reference number or a status.
    ``fields_for(meaning)`` gives the field names to try (the account's mapping)."""
    if not isinstance(item, dict):
        return None

    def get(meaning: str) -> str:
        return lookup(item, fields_for(meaning))

    reference, status = get("reference_no"), get("status")
    if not reference or not status:
        return None
    return EccangOrder(
        reference_no=reference[:100],
        status=status[:20],
        tracking_number=get("tracking_number")[:100],
        shipping_method=get("shipping_method"),
        cargo_type=get("cargo_type"),
        warehouse_code=get("warehouse_code"),
        is_return=get("is_return"),
        email=get("email"),
        name=get("name"),
        modify_date=parse_date(get("modify_date"), tz_name),
        raw=item,
    )


def matching_rule(order: EccangOrder, rules: list[Rule]) -> Rule | None:
    """The first rule the order matches (case-insensitive), or None. No rules = None for every order."""
    for rule in rules:
        wanted = [v.lower() for v in rule.values]
        if rule.kind == "reference_prefix":
            ref = order.reference_no.lower()
            if any(ref.startswith(prefix) for prefix in wanted):
                return rule
            continue
        value = {
            "shipping_method": order.shipping_method,
            "cargo_type": order.cargo_type,
            "warehouse_code": order.warehouse_code,
            "return_flag": order.is_return,
        }.get(rule.kind, "")
        if value and value.lower() in wanted:
            return rule
    return None


def meaning_of(status: str, mapping: dict[str, str]) -> str:
    """The mapped meaning of a status code (exact, then case-insensitive); unmapped = other."""
    if status in mapping:
        return mapping[status]
    folded = {k.lower(): v for k, v in mapping.items()}
    return folded.get(status.lower(), OTHER)
