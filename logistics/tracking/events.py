"""What higher-level apps do when shipments ship or their tracking status changes.

logistics may not import notifications (DESIGN: apps import only the apps above them), so notifications
registers its reactions here in its AppConfig.ready(). The logistics services call them with whole batches,
inside the transaction that stored the facts, so a fact and the emails it causes commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ShippedOrder:
    """A Shopify fulfillment was processed: the order, all its packages, and what the rules decided."""

    order: object  # logistics.models.ShopifyOrder
    shipments: list  # every TrackedShipment of the order
    new_shipments: list  # the ones this fulfillment created
    split: bool
    split_reason: str = ""
    # (the shipment the email is keyed on, every tracking number of that fulfillment, the pre-sale lines)
    presale: list[tuple[object, list[str], list[dict]]] = field(default_factory=list)


@dataclass
class StatusChange:
    shipment: object  # logistics.models.TrackedShipment, already updated
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
    shipment: object | None = None  # logistics.models.TrackedShipment when shipped


Handler = Callable[[list], None]
_ON_SHIPPED: list[tuple[str, Handler]] = []
_ON_STATUS: list[tuple[str, Handler]] = []
_ON_AFTERSALES: list[tuple[str, Handler]] = []


def on_orders_shipped(name: str, fn: Handler) -> None:
    _ON_SHIPPED[:] = [(n, f) for n, f in _ON_SHIPPED if n != name] + [(name, fn)]


def on_tracking_status_changed(name: str, fn: Handler) -> None:
    _ON_STATUS[:] = [(n, f) for n, f in _ON_STATUS if n != name] + [(name, fn)]


def on_aftersales_changed(name: str, fn: Handler) -> None:
    _ON_AFTERSALES[:] = [(n, f) for n, f in _ON_AFTERSALES if n != name] + [(name, fn)]


def aftersales_changed(changes: list[AfterSalesChange]) -> None:
    if changes:
        for _, fn in _ON_AFTERSALES:
            fn(changes)


def orders_shipped(shipped: list[ShippedOrder]) -> None:
    if shipped:
        for _, fn in _ON_SHIPPED:
            fn(shipped)


def tracking_status_changed(changes: list[StatusChange]) -> None:
    if changes:
        for _, fn in _ON_STATUS:
            fn(changes)
