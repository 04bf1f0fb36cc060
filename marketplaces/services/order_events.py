"""What lower apps do when orders arrive or are cancelled, inside the ingest transaction.

marketplaces may not import inventory or logistics (DESIGN: apps import only the apps above them), so each
of those registers its reaction here, explicitly, in its AppConfig.ready(): inventory decrements shadow stock,
logistics writes the "create in ShipStation" job. The ingest service calls them with whole batches (no N+1),
in the same transaction as the order rows, so an order and its consequences are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# fn(orders: list[Order]) -> None; the orders come with their lines prefetched.
NewOrdersHandler = Callable[[list], None]

_ON_NEW: list[tuple[str, NewOrdersHandler]] = []
_ON_CANCELLED: list[tuple[str, NewOrdersHandler]] = []
_ON_EDITED: list[tuple[str, NewOrdersHandler]] = []


@dataclass
class LineChange:
    """One order line as the marketplace changed it: ``line`` holds the new values (saved), ``old_*`` the
    ones it replaced. A line added has old quantity 0; a line cancelled / removed has quantity 0 now."""

    line: object  # OrderLine
    old_sku: str
    old_quantity: int


@dataclass
class OrderEdit:
    """An order the marketplace changed before shipment (address, lines, a partial cancellation)."""

    order: object  # Order, its lines prefetched (the new version)
    address_changed: bool = False
    line_changes: list[LineChange] = field(default_factory=list)


def on_new_orders(name: str, fn: NewOrdersHandler) -> None:
    _ON_NEW[:] = [(n, f) for n, f in _ON_NEW if n != name] + [(name, fn)]


def on_cancelled_orders(name: str, fn: NewOrdersHandler) -> None:
    """Called with orders the marketplace cancelled before they shipped."""
    _ON_CANCELLED[:] = [(n, f) for n, f in _ON_CANCELLED if n != name] + [(name, fn)]


def on_edited_orders(name: str, fn: NewOrdersHandler) -> None:
    """Called with ``OrderEdit``s: orders changed on the marketplace before they shipped."""
    _ON_EDITED[:] = [(n, f) for n, f in _ON_EDITED if n != name] + [(name, fn)]


def orders_edited(edits: list) -> None:
    if edits:
        for _, fn in _ON_EDITED:
            fn(edits)


def new_orders_arrived(orders: list) -> None:
    if orders:
        for _, fn in _ON_NEW:
            fn(orders)


def orders_cancelled(orders: list) -> None:
    if orders:
        for _, fn in _ON_CANCELLED:
            fn(orders)
