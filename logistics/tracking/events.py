"""What higher-level apps do when shipments ship or their tracking status changes.

logistics may not import notifications (DESIGN: apps import only the apps above them), so it announces these
hooks (``integration_server.hooks``) and notifications subscribes in its AppConfig.ready(). The logistics
services send whole batches, inside the transaction that stored the facts, so a fact and the emails it causes
commit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from integration_server.hooks import declare_hook


@dataclass
class ShippedOrder:
    """A Shopify fulfillment was processed: the order, all its packages, and what the rules decided."""

    order: object  # logistics.shopify.models.ShopifyOrder
    shipments: list  # every TrackedShipment of the order
    new_shipments: list  # the ones this fulfillment created
    split: bool
    split_reason: str = ""
    # (the shipment the email is keyed on, every tracking number of that fulfillment, the pre-sale lines)
    presale: list[tuple[object, list[str], list[dict]]] = field(default_factory=list)


@dataclass
class StatusChange:
    shipment: object  # logistics.tracking.models.TrackedShipment, already updated
    status: str
    event_at: datetime | None
    description: str = ""
    via: str = "push"
    after_delivery: bool = False  # reported for a delivered shipment: its status did not change


@dataclass
class AfterSalesChange:
    """An Eccang after-sales order reached a status that concerns the customer: ``shipped`` (with its
    tracked parcel) or ``problem`` (a status mapped as a customer-visible problem)."""

    reference_no: str
    status: str  # Eccang's own code
    meaning: str  # logistics.eccang.orders.SHIPPED / PROBLEM
    recipient_email: str
    customer_name: str = ""
    shipment: object | None = None  # logistics.tracking.models.TrackedShipment when shipped


ORDERS_SHIPPED = declare_hook(
    "shipments.orders_shipped", "Shopify fulfillments processed (list[ShippedOrder])."
)
TRACKING_STATUS_CHANGED = declare_hook(
    "shipments.status_changed", "Tracking statuses reported (list[StatusChange])."
)
AFTERSALES_CHANGED = declare_hook(
    "shipments.aftersales_changed",
    "Eccang after-sales orders shipped or in trouble (list[AfterSalesChange]).",
)
