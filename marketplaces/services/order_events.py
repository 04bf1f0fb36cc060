"""What lower apps do when orders arrive, are cancelled or are edited, inside the ingest transaction.

marketplaces may not import inventory or logistics (DESIGN: apps import only the apps above them), so it
announces these hooks (``integration_server.hooks``) and those apps subscribe in their AppConfig.ready():
inventory moves shadow stock, logistics writes the ShipStation jobs. The ingest service sends whole batches
(no N+1; orders with their lines prefetched), in the same transaction as the order rows, so an order and its
consequences are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integration_server.hooks import declare_hook


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


NEW_ORDERS = declare_hook("orders.new", "Orders seen for the first time (list[Order]).")
CANCELLED_ORDERS = declare_hook(
    "orders.cancelled", "Orders the marketplace cancelled before shipment (list[Order])."
)
EDITED_ORDERS = declare_hook(
    "orders.edited", "Orders changed on the marketplace before shipment (list[OrderEdit])."
)
