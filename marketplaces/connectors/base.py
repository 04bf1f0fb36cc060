"""The interface every marketplace connector implements, and the registry by channel.

Connectors speak the vendor's API through an ``integration_server.http.client.ApiClient`` subclass and raise
its typed errors; they return plain dataclasses, never models, so the services decide what is stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from integration_server.restorable import restorable


@dataclass
class PulledOrderLine:
    line_id: str
    sku: str
    quantity: int
    title: str = ""
    unit_price: Decimal | None = None
    # Refused at acceptance (Mirakl OR21): kept with quantity 0 and the reason, never shipped nor counted.
    refused_reason: str = ""


@dataclass
class PulledOrder:
    marketplace_order_id: str
    status: str
    updated_at: datetime | None
    purchased_at: datetime | None = None
    lines: list[PulledOrderLine] = field(default_factory=list)
    buyer: dict = field(default_factory=dict)  # name, email, phone, ship_to{...}: stored encrypted
    currency: str = ""
    total: Decimal | None = None
    is_cancelled: bool = False
    is_shipped: bool = False  # already shipped on the marketplace (a backfill): stored, not sent on
    sales_channel: str = ""  # the marketplace's site id (Amazon marketplaceId)
    raw: dict = field(default_factory=dict)
    # What ShipStation is told besides the lines (README: field mapping).
    ship_by: datetime | None = None  # the latest ship date the marketplace sets
    shipping_service: str = ""  # the service level the buyer chose (STANDARD, EXPEDITED ...)
    shipping_amount: Decimal | None = None  # shipping paid by the buyer
    tax_amount: Decimal | None = None
    # Mirakl: accepted but not shippable yet (WAITING_DEBIT ...): stored and counted in stock, not sent to
    # ShipStation until a later version is no longer on hold.
    on_hold: bool = False
    # Why the order was not accepted as it is (left for ops, refused): stored as the order's problem.
    acceptance_problem: str = ""


@dataclass
class OrderPage:
    orders: list[PulledOrder]
    next_token: str | None = None


@dataclass
class ShipmentConfirmation:
    marketplace_order_id: str
    tracking_number: str
    carrier_code: str  # the marketplace's code (after mapping), or "Other"
    carrier_name: str = ""  # free text where the code is "Other"
    shipping_method: str = ""
    ship_date: date | datetime | None = None
    lines: list[tuple[str, int]] = field(default_factory=list)  # (marketplace line id, quantity)
    package_reference: str = ""  # our id of the package (the ShipStation shipment id)
    sales_channel: str = ""  # the marketplace site of the order (Amazon marketplaceId)


@dataclass
class QuantityUpdate:
    sku: str
    quantity: int


@dataclass
class QuantityResult:
    sku: str
    accepted: bool
    reason: str = ""
    # The marketplace took the update but has not processed it yet (an Amazon feed still IN_PROGRESS): its
    # reference for ``quantity_results``, which tells later whether the SKU was applied or rejected.
    pending: str = ""


@dataclass
class ConnectionCheck:
    """One harmless read made by ``check_connection``, and what the live API answered."""

    name: str  # what was tried, e.g. "GeteBayOfficialTime", "orders of the last hour"
    ok: bool
    detail: str = ""  # the answer in words (never a secret)


class MarketplaceConnector(ABC):
    channel: str = ""
    requires_acceptance = False  # Mirakl: orders must be accepted before shipping
    acceptance_statuses: frozenset = frozenset()  # the marketplace statuses of orders waiting for a decision
    max_quantity_batch = 1  # the largest number of SKUs one quantity call may carry

    def __init__(self, account):
        self.account = account

    # Orders show up in the vendor's API this long after they change: windows end this far in the past.
    update_lag = timedelta(minutes=2)
    # Order ids are unique across every account of the channel (Amazon); else the ShipStation orderKey
    # names the account too (each Mirakl operator numbers its own orders).
    order_ids_globally_unique = True

    # The connector can continue a window from a page's ``next_token`` (``iter_orders(resume_token=...)``):
    # an interrupted pull then resumes where it stopped; else the next pull reads the window again.
    supports_resume = False

    @abstractmethod
    def iter_orders(
        self,
        updated_since: datetime,
        updated_before: datetime | None = None,
        resume_token: str | None = None,
    ) -> Iterator[OrderPage]:
        """Orders updated in [since, before), page by page, with the vendor's paging. With ``resume_token``
        (an earlier page's ``next_token`` for the same window; only where ``supports_resume``) the pages
        start at the page that token names."""

    def acknowledge_orders(self, orders: list[PulledOrder]) -> None:  # noqa: B027 - optional
        """Accept / acknowledge orders where the marketplace requires it."""

    def accept_order(self, order_id: str, decisions: list[tuple[str, bool]]) -> None:
        """Send the acceptance decision of every line of one order (``requires_acceptance`` connectors;
        ``marketplaces.services.acceptance`` decides)."""
        raise NotImplementedError(f"{self.channel} connector does not accept orders")

    @abstractmethod
    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        """Tell the marketplace that (part of) an order shipped, with carrier and tracking number."""

    @abstractmethod
    def update_quantities(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        """Publish quantities for at most ``max_quantity_batch`` SKUs; one result per SKU."""

    def quantity_results(self, pending: str, updates: list[QuantityUpdate]) -> list[QuantityResult] | None:
        """The final result per SKU of a submission ``update_quantities`` reported as pending; None while the
        marketplace is still processing it."""
        raise NotImplementedError(f"{self.channel} connector reports no pending quantity submissions")

    def check_connection(self) -> list[ConnectionCheck]:
        """Harmless reads (time, a one-hour order query, the quota...) that show what the live API accepts
        with this account's credentials; used by ``manage.py check_connection`` and the admin button."""
        raise NotImplementedError(f"{self.channel} connector has no connection check yet")

    def list_open_orders(self) -> Iterator[PulledOrder]:
        """Orders the marketplace still expects us to ship (the alerts compare them with ShipStation)."""
        raise NotImplementedError(f"{self.channel} connector cannot list open orders yet")


_CONNECTORS: dict[str, type[MarketplaceConnector]] = restorable({})


def register_connector(channel: str, cls: type[MarketplaceConnector]) -> None:
    _CONNECTORS[channel] = cls


def unregister_connector(channel: str) -> None:
    """A channel without a connector (tests: the registries are restored after each test)."""
    _CONNECTORS.pop(channel, None)


def connector_class(channel: str) -> type[MarketplaceConnector] | None:
    return _CONNECTORS.get(channel)


def connector_for(account) -> MarketplaceConnector:
    try:
        cls = _CONNECTORS[account.channel]
    except KeyError:
        raise LookupError(f"no connector for channel {account.channel!r} yet") from None
    return cls(account)
