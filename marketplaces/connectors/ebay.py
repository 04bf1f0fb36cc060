"""eBay connector: Trading ``GetOrders`` for orders, ``CompleteSale`` for tracking, and quantities by the
account's listing model: Inventory API ``bulkUpdatePriceQuantity`` (<= 25 SKUs a call) or Trading
``ReviseInventoryStatus`` (<= 4 a call). Parsing is pure (``parse_order``, ``parse_orders_page``,
``revise_results``, ``bulk_results``) and tested on every captured payload in ../shared/fixtures/ebay/.

Account options (non-secret): ``listing_model`` ("inventory_api" default, or "trading"), ``site_id``
(Trading X-EBAY-API-SITEID, 0 = US), ``compatibility_level``, ``scopes``. Credentials: client_id,
client_secret, ru_name, refresh_token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, tostring  # noqa: S405 - serialising a parsed element only

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integration_server.http.errors import PermanentError
from marketplaces import conf
from marketplaces.clients.ebay import EbayClient
from marketplaces.clients.ebay_xml import text, trading_errors
from marketplaces.connectors.base import (
    ConnectionCheck,
    MarketplaceConnector,
    OrderPage,
    PulledOrder,
    PulledOrderLine,
    QuantityResult,
    QuantityUpdate,
    ShipmentConfirmation,
)
from marketplaces.connectors.checks import run_check

log = logging.getLogger(__name__)

INVENTORY_API, TRADING = "inventory_api", "trading"
LISTING_MODELS = (INVENTORY_API, TRADING)
BATCH = {INVENTORY_API: 25, TRADING: 4}
MAX_LOOKBACK_DAYS = 90  # GetOrders returns nothing older, and refuses a wider window
# eBay CancelStatus values that mean the order is cancelled (the others are requests, rejections, N/A).
CANCELLED_STATES = {
    "CancelComplete",
    "CancelClosedWithRefund",
    "CancelClosedUnknownRefund",
    "CancelClosedNoRefund",
}
UNPAID_ORDER_STATES = {"Active", "Inactive", "InProcess", "Default"}
# Inventory API errorIds meaning "no such SKU / offer under the Inventory API" (unconfirmed by a capture).
REST_NOT_FOUND_IDS = {25702, 25713}


class ListingModelMismatch(PermanentError):
    """The account's listing model does not match how its eBay listings were made: a configuration error
    (alert ops, no retry)."""


def _dt(value: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _money(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def ebay_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- orders (pure) ----------------------------------------------------------------------------------------
def is_paid(order: Element) -> bool:
    """Checkout complete and paid: only those are sent to ShipStation (unpaid ones come back when paid, their
    LastModifiedTime moves)."""
    if text(order, "PaidTime"):
        return True
    status = text(order, "OrderStatus")
    checkout = text(order, "CheckoutStatus/Status")
    return status not in UNPAID_ORDER_STATES and checkout == "Complete"


def is_cancelled(order: Element) -> bool:
    return text(order, "OrderStatus") == "Cancelled" or text(order, "CancelStatus") in CANCELLED_STATES


def parse_lines(order: Element) -> list[PulledOrderLine]:
    lines = []
    for tx in order.findall("TransactionArray/Transaction"):
        item_id, tx_id = text(tx, "Item/ItemID"), text(tx, "TransactionID")
        lines.append(
            PulledOrderLine(
                line_id=text(tx, "OrderLineItemID") or f"{item_id}-{tx_id}",
                sku=text(tx, "Variation/SKU") or text(tx, "Item/SKU"),
                quantity=int(text(tx, "QuantityPurchased", "0") or 0),
                title=(text(tx, "Variation/VariationTitle") or text(tx, "Item/Title"))[:500],
                unit_price=_money(text(tx, "TransactionPrice")),
            )
        )
    return lines


def parse_buyer(order: Element) -> dict:
    address = order.find("ShippingAddress")
    first_tx = order.find("TransactionArray/Transaction")
    email = text(first_tx, "Buyer/Email")
    if "@" not in email:  # eBay masks it as "Invalid Request" after a while
        email = ""
    given = " ".join(
        p for p in (text(first_tx, "Buyer/UserFirstName"), text(first_tx, "Buyer/UserLastName")) if p
    )
    name = text(address, "Name") or given
    ship_to = {
        "name": name,
        "company": "",
        "street1": text(address, "Street1"),
        "street2": text(address, "Street2"),
        "street3": "",
        "city": text(address, "CityName"),
        "state": text(address, "StateOrProvince"),
        "postal_code": text(address, "PostalCode"),
        "country": text(address, "Country"),
        "phone": text(address, "Phone"),
        "residential": None,
    }
    return {"name": name, "email": email, "phone": ship_to["phone"], "ship_to": ship_to}


def parse_order(order: Element) -> PulledOrder | None:
    """One ``OrderArray/Order`` -> PulledOrder; None for an unpaid / incomplete checkout (not sent on)."""
    cancelled = is_cancelled(order)
    if not cancelled and not is_paid(order):
        return None
    total = order.find("Total")
    first_tx = order.find("TransactionArray/Transaction")
    return PulledOrder(
        marketplace_order_id=text(order, "OrderID"),
        status=text(order, "OrderStatus"),
        updated_at=_dt(text(order, "CheckoutStatus/LastModifiedTime")) or _dt(text(order, "CreatedTime")),
        purchased_at=_dt(text(order, "CreatedTime")),
        lines=parse_lines(order),
        buyer=parse_buyer(order),
        currency=(total.get("currencyID", "") if total is not None else "")[:3],
        total=_money(text(order, "Total")),
        is_cancelled=cancelled,
        is_shipped=bool(text(order, "ShippedTime")) and not cancelled,
        sales_channel=text(first_tx, "TransactionSiteID"),
        raw={"xml": tostring(order, encoding="unicode")},
    )


def parse_orders_page(root: Element) -> tuple[list[PulledOrder], bool]:
    """(the paid or cancelled orders of a GetOrders page, HasMoreOrders)."""
    orders = [o for o in (parse_order(el) for el in root.findall("OrderArray/Order")) if o is not None]
    return orders, text(root, "HasMoreOrders").lower() == "true"


# --- tracking (pure) ----------------------------------------------------------------------------------------
def shipped_time(ship_date) -> datetime:
    """ShipStation's ship date as eBay's ShippedTime (never in the future: eBay allows at most 3 days)."""
    now = timezone.now()
    if ship_date is None:
        return now
    if not isinstance(ship_date, datetime):
        ship_date = datetime(ship_date.year, ship_date.month, ship_date.day, 12, tzinfo=UTC)
    return min(ship_date, now)


def complete_sale_fields(target: tuple[str, str], c: ShipmentConfirmation) -> list:
    """CompleteSale fields for one order (``("OrderID", id)``) or one line (``("OrderLineItemID", id)``)."""
    carrier = c.carrier_code or "Other"
    if carrier == "Other" and c.carrier_name:
        carrier = c.carrier_name
    return [
        target,
        ("Shipped", "true"),
        (
            "Shipment",
            [
                (
                    "ShipmentTrackingDetails",
                    [("ShipmentTrackingNumber", c.tracking_number.strip()), ("ShippingCarrierUsed", carrier)],
                ),
                ("ShippedTime", ebay_time(shipped_time(c.ship_date))),
            ],
        ),
    ]


# --- quantities (pure) ----------------------------------------------------------------------------------
def _mentions_inventory_api(message: str) -> bool:
    return "inventory api" in message.lower()


def revise_results(updates: list[QuantityUpdate], root: Element) -> list[QuantityResult]:
    """ReviseInventoryStatus answer -> one result per SKU: a SKU named by an ``Errors/ErrorParameters
    ParamID="SKU"`` is rejected with that reason; the others went through (``Ack=Failure`` may still mean
    that). A rejection saying the listing is managed by the Inventory API raises ListingModelMismatch
    when no SKU of the call went through."""
    reasons: dict[str, list[str]] = {}
    mismatch = set()
    for err in trading_errors(root):
        if err.severity == "Warning" or not err.sku:
            continue
        reasons.setdefault(err.sku, []).append(err.describe())
        if _mentions_inventory_api(f"{err.short} {err.long}"):
            mismatch.add(err.sku)
    results = [
        QuantityResult(
            sku=u.sku, accepted=u.sku not in reasons, reason="; ".join(reasons.get(u.sku, []))[:500]
        )
        for u in updates
    ]
    if mismatch and all(not r.accepted for r in results):
        raise ListingModelMismatch(
            "eBay says these listings are managed by the Inventory API, but the account's listing model is "
            "'trading': set listing_model to 'inventory_api'",
            vendor="ebay",
        )
    return results


def bulk_request(updates: list[QuantityUpdate]) -> list[dict]:
    return [{"sku": u.sku, "shipToLocationAvailability": {"quantity": int(u.quantity)}} for u in updates]


def bulk_results(updates: list[QuantityUpdate], data: dict) -> list[QuantityResult]:
    """bulkUpdatePriceQuantity answer -> one result per SKU; each entry's ``statusCode`` is the truth."""
    by_sku: dict[str, list[dict]] = {}
    for entry in data.get("responses") or []:
        by_sku.setdefault(str(entry.get("sku", "")), []).append(entry)
    results = []
    for u in updates:
        entries = by_sku.get(u.sku)
        if not entries:
            results.append(
                QuantityResult(sku=u.sku, accepted=False, reason="no result returned for this SKU")
            )
            continue
        failed = [e for e in entries if not 200 <= int(e.get("statusCode") or 0) < 300]
        if not failed:
            results.append(QuantityResult(sku=u.sku, accepted=True))
            continue
        reasons = []
        for e in failed:
            for err in e.get("errors") or [{}]:
                reason = f"{err.get('errorId', e.get('statusCode'))}: {err.get('message', 'rejected')}"
                if err.get("errorId") in REST_NOT_FOUND_IDS:
                    reason += " (not an Inventory-API listing? check the account's listing model)"
                reasons.append(reason)
        results.append(QuantityResult(sku=u.sku, accepted=False, reason="; ".join(reasons)[:500]))
    return results


class EbayConnector(MarketplaceConnector):
    channel = "ebay"
    supports_resume = True  # the next page number is the resume token
    max_lookback_days = MAX_LOOKBACK_DAYS

    def __init__(self, account, client: EbayClient | None = None):
        super().__init__(account)
        self.client = client or EbayClient(account)
        self.options = account.options or {}

    @property
    def listing_model(self) -> str:
        model = self.options.get("listing_model") or INVENTORY_API
        if model not in LISTING_MODELS:
            raise ListingModelMismatch(
                f"unknown listing_model {model!r}: use one of {', '.join(LISTING_MODELS)}", vendor="ebay"
            )
        return model

    @property
    def max_quantity_batch(self) -> int:  # type: ignore[override]
        return BATCH.get(self.options.get("listing_model") or INVENTORY_API, 4)

    # --- orders -------------------------------------------------------------------------------------------
    def iter_orders(
        self,
        updated_since: datetime,
        updated_before: datetime | None = None,
        resume_token: str | None = None,
    ) -> Iterator[OrderPage]:
        now = timezone.now()
        earliest = now - timedelta(days=MAX_LOOKBACK_DAYS) + timedelta(minutes=5)
        since = max(updated_since, earliest)
        until = updated_before or (now - self.update_lag)
        page = int(resume_token or 1)
        while True:
            root = self.client.get_orders(
                ebay_time(since), ebay_time(until), page, conf.EBAY_ORDERS_PAGE_SIZE
            )
            orders, more = parse_orders_page(root)
            yield OrderPage(orders=orders, next_token=str(page + 1) if more else None)
            if not more:
                return
            page += 1

    def list_open_orders(self) -> Iterator[PulledOrder]:
        since = timezone.now() - timedelta(days=30)
        for page in self.iter_orders(since, timezone.now() - self.update_lag):
            yield from (o for o in page.orders if not o.is_cancelled and not o.is_shipped)

    # --- shipments ----------------------------------------------------------------------------------------
    def _targets(self, c: ShipmentConfirmation) -> list[tuple[str, str]]:
        """The whole order in one call when this package carries all of its lines; else one call per line
        of the package (CompleteSale addresses an order or one line)."""
        from marketplaces.models import OrderLine

        if not c.lines:
            return [("OrderID", c.marketplace_order_id)]
        ordered = dict(
            OrderLine.objects.filter(
                order__account=self.account, order__marketplace_order_id=c.marketplace_order_id
            ).values_list("line_id", "quantity")
        )
        if ordered and dict(c.lines) == ordered:
            return [("OrderID", c.marketplace_order_id)]
        return [("OrderLineItemID", line_id) for line_id, _ in c.lines]

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        for target in self._targets(confirmation):
            self.client.complete_sale(complete_sale_fields(target, confirmation))

    # --- quantities ---------------------------------------------------------------------------------------
    def update_quantities(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        if not updates:
            return []
        model = self.listing_model
        if len(updates) > BATCH[model]:
            raise ValueError(f"at most {BATCH[model]} SKUs per call")
        try:
            if model == TRADING:
                root = self.client.revise_inventory_status([(u.sku, u.quantity) for u in updates])
                return revise_results(updates, root)
            _, data = self.client.bulk_update_price_quantity(bulk_request(updates))
            return bulk_results(updates, data)
        except ListingModelMismatch as exc:
            from marketplaces.models import MarketplaceAccount

            MarketplaceAccount.objects.filter(pk=self.account.pk).update(config_problem=str(exc)[:2000])
            raise

    # --- connection check ---------------------------------------------------------------------------------
    def check_connection(self) -> list[ConnectionCheck]:
        checks = [_token_age_check(self.account)]
        checks.append(
            run_check("user token from the refresh token", lambda: self.client.access_token() and "issued")
        )
        checks.append(
            run_check(
                "GeteBayOfficialTime",
                lambda: f"eBay time {text(self.client.official_time(), 'Timestamp')}",
            )
        )

        def one_hour_of_orders():
            now = timezone.now() - self.update_lag
            root = self.client.get_orders(
                ebay_time(now - timedelta(hours=1)), ebay_time(now), 1, conf.EBAY_ORDERS_PAGE_SIZE
            )
            orders, more = parse_orders_page(root)
            return (
                f"{len(root.findall('OrderArray/Order'))} order(s) changed in the last hour "
                f"({len(orders)} paid or cancelled), page size {conf.EBAY_ORDERS_PAGE_SIZE} accepted"
                f"{', more pages' if more else ''}"
            )

        checks.append(run_check("GetOrders, last hour", one_hour_of_orders))

        def quota():
            data = self.client.user_rate_limits()
            parts = []
            for api in data.get("rateLimits") or []:
                for res in api.get("resources") or []:
                    for rate in res.get("rates") or []:
                        parts.append(f"{res.get('name')}: {rate.get('remaining')}/{rate.get('limit')} left")
            return ", ".join(parts[:8]) or "no quota reported"

        checks.append(run_check("call quota (getUserRateLimits)", quota))
        try:
            model = self.listing_model
            checks.append(ConnectionCheck("listing model", True, f"{model}: {BATCH[model]} SKU(s) per call"))
        except ListingModelMismatch as exc:
            checks.append(ConnectionCheck("listing model", False, str(exc)))
        return checks


def refresh_token_age_warning(account, now: datetime | None = None) -> str:
    """'' or a warning when the stored refresh token nears (or passed) its assumed lifetime."""
    issued = account.refresh_token_issued_at
    if issued is None or account.channel != "ebay":
        return ""
    now = now or timezone.now()
    expires = issued + timedelta(days=conf.EBAY_REFRESH_TOKEN_LIFETIME_DAYS)
    left = (expires - now).days
    if left <= conf.EBAY_REFRESH_TOKEN_WARN_DAYS:
        when = "has probably expired" if left < 0 else f"expires in about {left} day(s)"
        return (
            f"refresh token issued {issued:%Y-%m-%d} {when}: get the seller's consent again and store the "
            "new refresh token"
        )
    return ""


def _token_age_check(account) -> ConnectionCheck:
    if account.refresh_token_issued_at is None:
        return ConnectionCheck(
            "refresh token age", True, "issue date unknown (store the token again to set it)"
        )
    warning = refresh_token_age_warning(account)
    age = (timezone.now() - account.refresh_token_issued_at).days
    return ConnectionCheck("refresh token age", not warning, warning or f"{age} day(s) old")
