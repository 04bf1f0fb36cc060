"""Which email a fact calls for, its exactly-once key, and when not to send (pure; no Django).

- ``split_package``: once per order.            key ``split_package:<source>:<shop>:<order id>``
- ``presale_shipped``: once per shipment.        key ``presale_shipped:<source>:<shop>:<fulfillment id>``
  (a corrected tracking number of the same fulfillment is the same shipment: no second email)
- ``exception_alert``: once per (number, status). key ``exception_alert:<tracking number>:<status>``
- ``delivery_confirm``: once per number.         key ``delivery_confirm:<tracking number>``
- ``aftersales_shipped``: once per Eccang reference. key ``aftersales_shipped:eccang:<reference_no>``
- an Eccang status mapped as a problem: ``exception_alert`` once per (reference, status),
  key ``exception_alert:eccang:<reference_no>:<status>``
No email about a tracking event older than ``max_age_days``; no exception email once delivered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from logistics.tracking.status_map import DELIVERED, EXCEPTION_STATUSES

SPLIT_PACKAGE = "split_package"
PRESALE_SHIPPED = "presale_shipped"
EXCEPTION_ALERT = "exception_alert"
DELIVERY_CONFIRM = "delivery_confirm"
AFTERSALES_SHIPPED = "aftersales_shipped"
KINDS = (SPLIT_PACKAGE, PRESALE_SHIPPED, EXCEPTION_ALERT, DELIVERY_CONFIRM, AFTERSALES_SHIPPED)


def kind_for_status(status: str | None) -> str | None:
    if status == DELIVERED:
        return DELIVERY_CONFIRM
    if status in EXCEPTION_STATUSES:
        return EXCEPTION_ALERT
    return None


def dedupe_key(kind: str, *, tracking_number: str = "", order_ref: str = "", status: str = "") -> str:
    if kind in (SPLIT_PACKAGE, AFTERSALES_SHIPPED):
        return f"{kind}:{order_ref}"
    if kind == EXCEPTION_ALERT and order_ref:
        return f"{kind}:{order_ref}:{status}"
    if kind == PRESALE_SHIPPED and order_ref:
        return f"{kind}:{order_ref}"
    if kind == EXCEPTION_ALERT:
        return f"{kind}:{tracking_number}:{status}"
    return f"{kind}:{tracking_number}"


def suppression_reason(
    kind: str,
    *,
    recipient: str,
    event_at: datetime | None,
    now: datetime,
    delivered_at: datetime | None = None,
    max_age_days: int = 7,
) -> str:
    """Why this email must not go out ('' = send it)."""
    if not recipient or "@" not in recipient:
        return "no customer email address known"
    if kind in (EXCEPTION_ALERT, DELIVERY_CONFIRM):
        if event_at is not None and event_at < now - timedelta(days=max_age_days):
            return f"tracking event older than {max_age_days} days ({event_at:%Y-%m-%d})"
        if kind == EXCEPTION_ALERT and delivered_at is not None:
            return "the parcel was already delivered"
    return ""
