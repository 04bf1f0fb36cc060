"""17TRACK main and sub statuses -> our tracking statuses (pure; no Django).

The sub-status decides where it is more precise than the main status; ``overrides`` (ops-edited, per
account) win over both. Unknown statuses map to ``None`` and the caller logs them.
"""

from __future__ import annotations

# Our status values (mirrors logistics.tracking.models.TrackingStatus, kept string-only here).
NOT_FOUND = "not_found"
INFO_RECEIVED = "info_received"
IN_TRANSIT = "in_transit"
AVAILABLE_FOR_PICKUP = "available_for_pickup"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
DELIVERY_FAILURE = "delivery_failure"
UNDELIVERED = "undelivered"
ALERT = "alert"
RETURNING = "returning"
RETURNED = "returned"
EXPIRED = "expired"

MAIN_STATUS = {
    "NotFound": NOT_FOUND,
    "InfoReceived": INFO_RECEIVED,
    "InTransit": IN_TRANSIT,
    "Expired": EXPIRED,
    "AvailableForPickup": AVAILABLE_FOR_PICKUP,
    "OutForDelivery": OUT_FOR_DELIVERY,
    "DeliveryFailure": DELIVERY_FAILURE,
    "Delivered": DELIVERED,
    "Exception": ALERT,
}

SUB_STATUS = {
    # The parcel could not be handed over: undelivered.
    "Exception_NoBody": UNDELIVERED,
    "Exception_Security": UNDELIVERED,
    "Exception_Rejected": UNDELIVERED,
    # On its way back, or back.
    "Exception_Returning": RETURNING,
    "Exception_Returned": RETURNED,
    # Everything else under Exception is an alert: Other, Damage, Delayed, Lost, Destroyed, Cancel, Held.
}

# Statuses after which nothing changes any more (polling stops).
FINAL_STATUSES = frozenset({DELIVERED, RETURNED, EXPIRED})
# The exception statuses of SPEC 6: alert, undelivered, returned, delivery failure.
EXCEPTION_STATUSES = frozenset({ALERT, UNDELIVERED, RETURNING, RETURNED, DELIVERY_FAILURE})


def map_status(main: str | None, sub: str | None = None, overrides: dict | None = None) -> str | None:
    overrides = overrides or {}
    for key in (sub, main):
        if key and key in overrides:
            return overrides[key]
    if sub and sub in SUB_STATUS:
        return SUB_STATUS[sub]
    if main in MAIN_STATUS:
        return MAIN_STATUS[main]
    if sub and "_" in sub:  # a sub-status we do not know, under a main status we do
        return MAIN_STATUS.get(sub.split("_", 1)[0])
    return None
