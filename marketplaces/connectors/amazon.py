"""Amazon connector: searchOrders (2026-01-01) for orders, confirmShipment (v0) for tracking,
patchListingsItem / JSON_LISTINGS_FEED for quantities. Parsing is pure (``parse_order``) and tested on the
official fixtures.

Quantity rule: a push of at most ``AMAZON_PATCH_MAX_SKUS`` SKUs (default 20) is sent as one
patchListingsItem per SKU (5 rps, burst 5: a few seconds); a larger push is one JSON_LISTINGS_FEED
(createFeed allows about one feed per 2 minutes, so many SKUs must share a feed). ``max_quantity_batch`` =
10,000 SKUs per feed, well under the 25,000 messages a feed may carry.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from marketplaces import conf
from marketplaces.clients.amazon import AmazonClient
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
from marketplaces.connectors.throttling import call_waiting_out_throttles

log = logging.getLogger(__name__)

PULL_STATUSES = "UNSHIPPED,PARTIALLY_SHIPPED,CANCELLED"
OPEN_STATUSES = {"UNSHIPPED", "PARTIALLY_SHIPPED"}
PAGE_SIZE = 100
MAX_THROTTLED_WAITS = 30


def _dt(value) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _money(value) -> Decimal | None:
    if not value or value.get("amount") in (None, ""):
        return None
    try:
        return Decimal(str(value["amount"]))
    except InvalidOperation:
        return None


def parse_order(record: dict) -> PulledOrder | None:
    """One searchOrders order -> PulledOrder; None for orders we do not fulfil (FBA)."""
    fulfillment = record.get("fulfillment") or {}
    if fulfillment.get("fulfilledBy", "MERCHANT") != "MERCHANT":
        return None
    status = fulfillment.get("fulfillmentStatus", "")
    lines = []
    for item in record.get("orderItems") or []:
        product = item.get("product") or {}
        price = (product.get("price") or {}).get("unitPrice")
        lines.append(
            PulledOrderLine(
                line_id=str(item.get("orderItemId", "")),
                sku=(product.get("sellerSku") or "").strip(),
                quantity=int(item.get("quantityOrdered") or 0),
                title=(product.get("title") or "")[:500],
                unit_price=_money(price),
            )
        )
    buyer = record.get("buyer") or {}
    address = (record.get("recipient") or {}).get("deliveryAddress") or {}
    ship_to = {
        "name": address.get("name", ""),
        "company": address.get("companyName", ""),
        "street1": address.get("addressLine1", ""),
        "street2": address.get("addressLine2", ""),
        "street3": address.get("addressLine3", ""),
        "city": address.get("city", ""),
        "state": address.get("stateOrRegion", ""),
        "postal_code": address.get("postalCode", ""),
        "country": address.get("countryCode", ""),
        "phone": address.get("phone", ""),
        "residential": address.get("addressType") == "RESIDENTIAL" if address.get("addressType") else None,
    }
    total = (record.get("proceeds") or {}).get("grandTotal") or {}
    shipping, tax = _charges(record.get("orderItems") or [])
    return PulledOrder(
        marketplace_order_id=record["orderId"],
        status=status,
        updated_at=_dt(record.get("lastUpdatedTime")),
        purchased_at=_dt(record.get("createdTime")),
        lines=lines,
        buyer={
            "name": buyer.get("buyerName", ""),
            "email": buyer.get("buyerEmail", ""),
            "company": buyer.get("buyerCompanyName", ""),
            "phone": address.get("phone", ""),
            "ship_to": ship_to,
        },
        currency=total.get("currencyCode", ""),
        total=_money(total),
        is_cancelled=status == "CANCELLED",
        is_shipped=status == "SHIPPED",
        sales_channel=(record.get("salesChannel") or {}).get("marketplaceId", ""),
        raw=record,
        ship_by=_dt((fulfillment.get("shipByWindow") or {}).get("latestDateTime")),
        shipping_service=fulfillment.get("fulfillmentServiceLevel") or "",
        shipping_amount=shipping,
        tax_amount=tax,
    )


def _charges(items: list[dict]) -> tuple[Decimal | None, Decimal | None]:
    """Shipping and tax the buyer paid, summed over the items' proceeds breakdowns (types SHIPPING, TAX,
    *_TAX); None where the order carries no such breakdown."""
    shipping = tax = None
    for item in items:
        for part in (item.get("proceeds") or {}).get("breakdowns") or []:
            kind = str(part.get("type") or "").upper()
            amount = _money(part.get("subtotal"))
            if amount is None:
                continue
            if kind == "TAX" or kind.endswith("_TAX"):
                tax = (tax or Decimal(0)) + amount
            elif kind == "SHIPPING":
                shipping = (shipping or Decimal(0)) + amount
    return shipping, tax


def parse_search_page(data: dict) -> OrderPage:
    orders = [o for o in (parse_order(r) for r in data.get("orders") or []) if o is not None]
    return OrderPage(orders=orders, next_token=(data.get("pagination") or {}).get("nextToken"))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def confirmation_body(c: ShipmentConfirmation, marketplace_id: str) -> dict:
    ship_date = c.ship_date or timezone.now()
    if not isinstance(ship_date, datetime):
        ship_date = datetime(ship_date.year, ship_date.month, ship_date.day, 12, tzinfo=UTC)
    detail = {
        "packageReferenceId": c.package_reference or c.tracking_number,
        "carrierCode": c.carrier_code or "Other",
        "trackingNumber": c.tracking_number,
        "shipDate": ship_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "orderItems": [{"orderItemId": line_id, "quantity": qty} for line_id, qty in c.lines],
    }
    if c.carrier_name or detail["carrierCode"] == "Other":
        detail["carrierName"] = c.carrier_name or c.carrier_code or "Other"
    if c.shipping_method:
        detail["shippingMethod"] = c.shipping_method
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


def quantity_patch(quantity: int) -> list[dict]:
    return [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": int(quantity)}],
        }
    ]


def listings_feed(seller_id: str, updates: list[QuantityUpdate], product_type_of) -> dict:
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": n,
                "sku": u.sku,
                "operationType": "PATCH",
                "productType": product_type_of(u.sku),
                "patches": quantity_patch(u.quantity),
            }
            for n, u in enumerate(updates, start=1)
        ],
    }


def results_from_report(updates: list[QuantityUpdate], report: dict) -> list[QuantityResult]:
    errors: dict[int, list[str]] = {}
    for issue in report.get("issues") or []:
        if issue.get("severity") == "ERROR" and issue.get("messageId") is not None:
            errors.setdefault(int(issue["messageId"]), []).append(
                f"{issue.get('code', '')}: {issue.get('message', '')}"
            )
    return [
        QuantityResult(sku=u.sku, accepted=n not in errors, reason="; ".join(errors.get(n, []))[:500])
        for n, u in enumerate(updates, start=1)
    ]


class AmazonConnector(MarketplaceConnector):
    channel = "amazon"
    max_quantity_batch = 10_000
    supports_resume = True  # pagination.nextToken, sent back as paginationToken, stays valid 24 h

    def __init__(self, account, client: AmazonClient | None = None):
        super().__init__(account)
        self.client = client or AmazonClient(account)
        self.options = account.options or {}

    @property
    def marketplace_ids(self) -> list[str]:
        ids = self.options.get("marketplace_ids") or []
        if isinstance(ids, str):
            ids = [i.strip() for i in ids.split(",") if i.strip()]
        return ids or ["ATVPDKIKX0DER"]

    @property
    def seller_id(self) -> str:
        return self.options.get("seller_id") or (self.account.credentials or {}).get("seller_id", "")

    def product_type_of(self, sku: str) -> str:
        return (self.options.get("product_types") or {}).get(sku) or self.options.get(
            "product_type", "PRODUCT"
        )

    def _with_throttle_waits(self, fn, *args):
        """Wait for the token bucket instead of failing on 429: a series of listing patches must not lose the
        results of the patches already accepted."""
        for _ in range(MAX_THROTTLED_WAITS):
            try:
                return fn(*args)
            except ThrottledError as exc:
                log.info("amazon.throttled", extra={"wait_s": exc.wait_seconds})
                time.sleep(exc.wait_seconds)
        return fn(*args)

    # --- orders -------------------------------------------------------------------------------------------
    def _search_orders(self, query: dict) -> dict:
        """searchOrders, waiting for the bucket only as long as pacing lets this caller sleep: Amazon's
        ~3 min per call past the burst of 20 ends a scheduled pull (ThrottledError; it resumes next run from
        its checkpoint) while ``pull_orders`` by hand (``pacing.patient()``) waits."""
        return call_waiting_out_throttles(
            self.client.search_orders, query, vendor="amazon", max_waits=MAX_THROTTLED_WAITS
        )

    def iter_orders(
        self,
        updated_since: datetime,
        updated_before: datetime | None = None,
        resume_token: str | None = None,
    ) -> Iterator[OrderPage]:
        params = {
            "marketplaceIds": ",".join(self.marketplace_ids),
            "lastUpdatedAfter": _iso(updated_since),
            "fulfilledBy": "MERCHANT",
            "fulfillmentStatuses": PULL_STATUSES,
            "includedData": "RECIPIENT,FULFILLMENT,PACKAGES",
            "maxResultsPerPage": PAGE_SIZE,
        }
        if updated_before is not None:
            params["lastUpdatedBefore"] = _iso(updated_before)
        token = resume_token
        while True:
            query = {**params, "paginationToken": token} if token else params
            page = parse_search_page(self._search_orders(query))
            yield page
            token = page.next_token
            if not token:
                return

    def list_open_orders(self) -> Iterator[PulledOrder]:
        since = timezone.now() - timedelta(days=30)
        for page in self.iter_orders(since, timezone.now() - self.update_lag):
            yield from (o for o in page.orders if o.status in OPEN_STATUSES)

    # --- connection check ---------------------------------------------------------------------------------
    def check_connection(self) -> list[ConnectionCheck]:
        """Harmless reads: the LWA token, one page (of one order) of the last hour's orders with the applied
        rate, and the options the pushes need."""
        checks = [
            run_check(
                "LWA access token from the refresh token", lambda: self.client.access_token() and "issued"
            )
        ]

        def last_hour():
            now = timezone.now() - self.update_lag
            data = self.client.search_orders(
                {
                    "marketplaceIds": ",".join(self.marketplace_ids),
                    "lastUpdatedAfter": _iso(now - timedelta(hours=1)),
                    "lastUpdatedBefore": _iso(now),
                    "maxResultsPerPage": 1,
                }
            )
            more = " (more pages)" if (data.get("pagination") or {}).get("nextToken") else ""
            rate = self.client._rates.get("searchOrders")
            applied = f", applied rate {rate} rps" if rate else ""
            return f"searchOrders answered: {len(data.get('orders') or [])} order(s) on the first page{more}{applied}"

        checks.append(run_check("searchOrders, last hour", last_hour))
        checks.append(
            ConnectionCheck(
                "seller id (quantity pushes)",
                bool(self.seller_id),
                self.seller_id
                and f"set; marketplaces {', '.join(self.marketplace_ids)}"
                or "missing: set option seller_id",
            )
        )
        return checks

    # --- shipments ----------------------------------------------------------------------------------------
    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        marketplace_id = confirmation.sales_channel or self.marketplace_ids[0]
        self.client.confirm_shipment(
            confirmation.marketplace_order_id, confirmation_body(confirmation, marketplace_id)
        )

    # --- quantities ---------------------------------------------------------------------------------------
    def update_quantities(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        if len(updates) > self.max_quantity_batch:
            raise ValueError(f"at most {self.max_quantity_batch} SKUs per call")
        if not updates:
            return []
        if not self.seller_id:
            raise PermanentError("Amazon account has no seller_id option", vendor="amazon")
        if len(updates) <= conf.AMAZON_PATCH_MAX_SKUS:
            # more patches than the burst (5) meet a 429 midway: wait for the bucket here, so the SKUs
            # Amazon already accepted keep their result (a ThrottledError would discard them all)
            return [self._with_throttle_waits(self._patch_one, u) for u in updates]
        return self._feed(updates)

    def _patch_one(self, update: QuantityUpdate) -> QuantityResult:
        body = {"productType": self.product_type_of(update.sku), "patches": quantity_patch(update.quantity)}
        try:
            data = self.client.patch_listings_item(self.seller_id, update.sku, self.marketplace_ids, body)
        except PermanentError as exc:
            return QuantityResult(sku=update.sku, accepted=False, reason=str(exc)[:500])
        errors = [i for i in data.get("issues") or [] if i.get("severity") == "ERROR"]
        if data.get("status") != "ACCEPTED" or errors:
            reason = "; ".join(f"{i.get('code', '')}: {i.get('message', '')}" for i in errors) or data.get(
                "status", ""
            )
            return QuantityResult(sku=update.sku, accepted=False, reason=reason[:500])
        return QuantityResult(sku=update.sku, accepted=True)

    def _feed(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        content_type = "application/json; charset=UTF-8"
        document = self.client.create_feed_document(content_type)
        content = json.dumps(listings_feed(self.seller_id, updates, self.product_type_of)).encode()
        self.client.upload_feed_document(document["url"], content, content_type)
        feed_id = self.client.create_feed(
            "JSON_LISTINGS_FEED", self.marketplace_ids, document["feedDocumentId"]
        )
        deadline = time.monotonic() + conf.AMAZON_FEED_WAIT_SECONDS
        while True:
            try:
                results = self.quantity_results(feed_id, updates)
            except RetryableError as exc:  # the feed is in: reading its status must not make us send it again
                log.info("amazon.feed_status_unread", extra={"feed_id": feed_id, "error": type(exc).__name__})
                results = None
            if results is not None:
                return results
            if time.monotonic() >= deadline:  # Amazon reports later: the caller asks again with the feed id
                return [
                    QuantityResult(
                        sku=u.sku,
                        accepted=True,
                        reason=f"feed {feed_id} submitted, not processed yet",
                        pending=feed_id,
                    )
                    for u in updates
                ]
            time.sleep(conf.AMAZON_FEED_POLL_SECONDS)

    def quantity_results(self, pending: str, updates: list[QuantityUpdate]) -> list[QuantityResult] | None:
        """A feed's outcome per SKU from its processing report; None while it is queued or in progress."""
        feed = self.client.get_feed(pending)
        status = feed.get("processingStatus")
        if status == "DONE":
            return results_from_report(updates, self.client.get_feed_document(feed["resultFeedDocumentId"]))
        if status in ("CANCELLED", "FATAL"):
            return [
                QuantityResult(sku=u.sku, accepted=False, reason=f"feed {pending} {status}") for u in updates
            ]
        return None
