"""Reading a Zoho item record (list page, detail or webhook body): SKU, item id, the configured stock figure
and its last-modified time. Pure; invalid figures raise ``InvalidStock``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class ZohoStock:
    sku: str
    item_id: str
    available: int
    modified_at: datetime | None


class InvalidStock(ValueError):
    """A stock figure that is negative, not a number, or missing."""


def item_of(payload) -> dict:
    """The item record of a webhook body: ``{"item": {...}}`` or the record itself."""
    if isinstance(payload, dict) and isinstance(payload.get("item"), dict):
        return payload["item"]
    if isinstance(payload, dict):
        return payload
    raise InvalidStock("the body is not an item record")


def has_stock_field(item: dict, field: str, fallback: str = "") -> bool:
    return item.get(field) is not None or bool(fallback and item.get(fallback) is not None)


def stock_value(item: dict, field: str, fallback: str = "") -> int:
    value = item.get(field)
    if value is None and fallback:
        value = item.get(fallback)
    if value is None:
        raise InvalidStock(f"no {field} in the item")
    if isinstance(value, bool):
        raise InvalidStock("stock is not a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidStock("stock is not a number") from None
    if not number.is_finite():
        raise InvalidStock("stock is not a number")
    if number < 0:
        raise InvalidStock("stock is negative")
    return math.floor(number)


def modified_at(item: dict) -> datetime | None:
    raw = item.get("last_modified_time")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def zoho_stock(item: dict, field: str, fallback: str = "") -> ZohoStock:
    sku = str(item.get("sku") or "").strip()
    return ZohoStock(
        sku=sku,
        item_id=str(item.get("item_id") or ""),
        available=stock_value(item, field, fallback),
        modified_at=modified_at(item),
    )
