"""Rithum (Dsco v3) connector: ``/order/page`` for orders, ``/order/acknowledge`` for new ones (an outbox job
per order, ``marketplaces.services.acknowledge``), ``/order/singleShipment`` per package, and
``/inventory/batch/small`` for quantities, confirmed later from ``/inventory/log`` (``quantity_results``).
Parsing is pure (``parse_order``) and tested on every fixture in ../shared/fixtures/rithum/.

Orders: the window is (since, until], ``until`` at least 5 s in the past; pages follow the opaque ``scrollId``
until an empty page. A scroll unused for 5 minutes is gone (404): the search starts again from the window's
start and the orders this pull already yielded in the same version are skipped, so nothing is lost or
repeated. A scrollId is never kept between runs (``supports_resume`` False): an interrupted pull reads its
window again, which the idempotent ingest makes harmless.

The order's state is ``dscoLifecycle`` (``dscoStatus`` is deprecated); a cancelled order is one whose old
status says so or whose every line is cancelled or rejected.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from integration_server.http.errors import ExternalApiError, RetryableError
from marketplaces import conf
from marketplaces.clients.rithum import RithumClient, RithumValidationError, ScrollExpired, messages_text
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
from marketplaces.connectors.values import aware_datetime as _dt
from marketplaces.connectors.values import decimal_or_none as _decimal
from marketplaces.connectors.values import int_or_zero as _int
from marketplaces.connectors.values import iso_utc as _iso

log = logging.getLogger(__name__)

OPEN_STATUSES = ("created", "shipment_pending")  # the /order/page status filter of orders still to ship
MAX_SCROLL_RESTARTS = 3
MAX_THROTTLED_WAITS = 30
ACKNOWLEDGE_PER_CALL = 1000  # ids per /order/acknowledge call (a 5 MB body allows far more)
OTHER_CARRIER = "OTHER"


def line_key(item: dict) -> str:
    """Our id of an order line: Rithum's ``lineNumber``, else its item id, else the SKU."""
    if item.get("lineNumber") not in (None, ""):
        return str(item["lineNumber"])
    return str(item.get("dscoItemId") or item.get("sku") or item.get("partnerSku") or "")


def _open_quantity(item: dict) -> int:
    return (
        _int(item.get("quantity")) - _int(item.get("cancelledQuantity")) - _int(item.get("rejectedQuantity"))
    )


def is_cancelled(record: dict) -> bool:
    if (record.get("dscoStatus") or "").lower() == "cancelled":
        return True
    items = record.get("lineItems") or []
    return bool(items) and not record.get("packages") and all(_open_quantity(i) <= 0 for i in items)


def parse_order(record: dict) -> PulledOrder:
    """One Dsco order (an element of ``/order/page``'s ``orders``) -> PulledOrder."""
    cancelled = is_cancelled(record)
    lifecycle = (record.get("dscoLifecycle") or "").lower()
    shipped = not cancelled and (lifecycle == "completed" or (record.get("dscoStatus") or "") == "shipped")
    items = record.get("lineItems") or []
    open_items = [i for i in items if _open_quantity(i) > 0] or items  # lines cancelled alone are not sent
    lines = [
        PulledOrderLine(
            line_id=line_key(item),
            sku=(item.get("sku") or item.get("partnerSku") or "").strip(),
            quantity=max(_open_quantity(item), 0) if not cancelled else _int(item.get("quantity")),
            title=(item.get("title") or "")[:500],
            unit_price=_decimal(item.get("expectedCost")),
        )
        for item in open_items
    ]
    shipping = record.get("shipping") or {}
    street = shipping.get("address") or []
    name = shipping.get("name") or " ".join(
        p for p in (shipping.get("firstName"), shipping.get("lastName")) if p
    )
    ship_to = {
        "name": name,
        "company": shipping.get("company") or "",
        "street1": shipping.get("address1") or (street[0] if street else ""),
        "street2": shipping.get("address2") or (street[1] if len(street) > 1 else ""),
        "street3": street[2] if len(street) > 2 else "",
        "city": shipping.get("city") or "",
        "state": shipping.get("state") or shipping.get("region") or "",
        "postal_code": shipping.get("postal") or "",
        "country": shipping.get("country") or "",
        "phone": shipping.get("phone") or "",
        "residential": None,
    }
    return PulledOrder(
        marketplace_order_id=str(record["dscoOrderId"]),
        status="cancelled" if cancelled else lifecycle or (record.get("dscoStatus") or ""),
        updated_at=_dt(record.get("dscoLastUpdate")),
        # when the order reached us through Dsco (the consumer may have ordered hours before): what the
        # missed-orders alert's grace period counts from
        purchased_at=_dt(
            record.get("dscoCreateDate")
            or record.get("retailerCreateDate")
            or record.get("consumerOrderDate")
        ),
        lines=lines,
        buyer={
            "name": name,
            "email": shipping.get("email") or "",
            "phone": shipping.get("phone") or "",
            "ship_to": ship_to,
        },
        currency=(record.get("consumerOrderCurrencyCode") or "")[:3],
        total=_decimal(record.get("extendedExpectedCostTotal")),
        is_cancelled=cancelled,
        is_shipped=shipped,
        sales_channel=str(record.get("dscoRetailerId") or "")[:40],
        raw=record,
    )


def shipment_body(c: ShipmentConfirmation, record: dict, fallback_lines: dict[str, str]) -> dict:
    """One package for ``/order/singleShipment``, with the identifiers and codes the order carried: retailers'
    accounts require more than the spec (poNumber, shipCarrier, shippingServiceLevelCode, line sku and
    lineNumber, warehouseCode). ``fallback_lines`` = line id -> SKU, for an order whose record is gone."""
    by_key = {line_key(item): item for item in record.get("lineItems") or []}
    items = []
    for line_id, quantity in c.lines:
        item = by_key.get(line_id) or {}
        entry: dict = {"quantity": int(quantity)}
        sku = item.get("sku") or fallback_lines.get(line_id)
        if sku:
            entry["sku"] = sku
        elif item.get("partnerSku"):
            entry["partnerSku"] = item["partnerSku"]
        elif item.get("dscoItemId"):
            entry["dscoItemId"] = item["dscoItemId"]
        line_number = item.get("lineNumber", int(line_id) if line_id.isdigit() else None)
        if line_number is not None:
            entry["lineNumber"] = line_number
        items.append(entry)
    ship_date = c.ship_date or timezone.now()
    if not isinstance(ship_date, datetime):
        ship_date = datetime(ship_date.year, ship_date.month, ship_date.day, 12, tzinfo=UTC)
    carrier = c.carrier_name if c.carrier_code in ("", OTHER_CARRIER) else c.carrier_code
    shipment: dict = {
        "trackingNumber": c.tracking_number,
        "shipDate": ship_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "shipCarrier": carrier or record.get("shipCarrier") or record.get("requestedShipCarrier") or "",
        "lineItems": items,
    }
    method = record.get("shipMethod") or record.get("requestedShipMethod") or c.shipping_method
    if method:
        shipment["shipMethod"] = method
    level = record.get("shippingServiceLevelCode") or record.get("requestedShippingServiceLevelCode")
    if level:
        shipment["shippingServiceLevelCode"] = level
    warehouse = record.get("shipWarehouseCode") or record.get("requestedWarehouseCode")
    if warehouse:
        shipment["warehouseCode"] = warehouse
    body: dict = {"dscoOrderId": c.marketplace_order_id, "shipments": [shipment]}
    if record.get("poNumber"):
        body["poNumber"] = record["poNumber"]
    if record.get("supplierOrderNumber"):
        body["supplierOrderNumber"] = record["supplierOrderNumber"]
    return body


def inventory_item(update: QuantityUpdate, warehouse_code: str = "") -> dict:
    """One ``ItemInventory`` of ``/inventory/batch/small``: Rithum wants a status and a quantity per item."""
    quantity = max(int(update.quantity), 0)
    item: dict = {
        "sku": update.sku,
        "status": "in-stock" if quantity > 0 else "out-of-stock",
        "quantityAvailable": quantity,
    }
    if warehouse_code:
        item["warehouses"] = [{"code": warehouse_code, "quantity": quantity}]
    return item


def results_from_logs(updates: list[QuantityUpdate], logs: list[dict]) -> list[QuantityResult] | None:
    """Per SKU from ``/inventory/log`` entries; None while any of them is still pending."""
    by_sku: dict[str, dict] = {}
    for entry in logs:
        sku = str((entry.get("payload") or {}).get("sku") or "")
        if sku:
            by_sku[sku] = entry  # the latest entry of a SKU wins
    if any(e.get("status") == "pending" for e in by_sku.values()):
        return None
    results = []
    for update in updates:
        entry = by_sku.get(update.sku)
        if entry is None:
            results.append(
                QuantityResult(sku=update.sku, accepted=False, reason="not in Rithum's change log")
            )
        elif entry.get("status") == "success":
            results.append(QuantityResult(sku=update.sku, accepted=True))
        else:
            reason = messages_text({"messages": entry.get("results") or []}) or "failed in Rithum"
            results.append(QuantityResult(sku=update.sku, accepted=False, reason=reason[:500]))
    return results


class RithumConnector(MarketplaceConnector):
    channel = "rithum"
    max_quantity_batch = 10_000  # ~100 bytes an item: far under the 5 MB a small batch may carry
    update_lag = timedelta(seconds=15)  # ``until`` must be at least 5 s in the past
    supports_resume = False  # a scrollId expires after 5 minutes: never kept between runs
    acknowledge_statuses = frozenset({"created"})  # new orders are acknowledged (an outbox job each)

    def __init__(self, account, client: RithumClient | None = None):
        super().__init__(account)
        self.client = client or RithumClient(account)
        self.options = account.options or {}

    def _patiently(self, fn, *args):
        """Wait out a 429 while pacing lets this caller sleep (a scroll must not be dropped for it)."""
        return call_waiting_out_throttles(fn, *args, vendor=self.channel, max_waits=MAX_THROTTLED_WAITS)

    # --- orders -------------------------------------------------------------------------------------------
    def iter_orders(
        self,
        updated_since: datetime,
        updated_before: datetime | None = None,
        resume_token: str | None = None,
    ) -> Iterator[OrderPage]:
        until = updated_before or timezone.now() - self.update_lag
        yield from self._scroll(updated_since, until)

    def _scroll(self, since: datetime, until: datetime, statuses=()) -> Iterator[OrderPage]:
        query: dict = {
            # exclusive: one second earlier, so an order updated at ``since`` itself is in the window
            "ordersUpdatedSince": _iso(since - timedelta(seconds=1)),
            "until": _iso(until),
            "ordersPerPage": max(10, min(int(conf.RITHUM_ORDERS_PER_PAGE), 1000)),
        }
        if statuses:
            query["status"] = list(statuses)
        seen: dict[str, str] = {}  # order id -> dscoLastUpdate already yielded by this search
        scroll_id: str | None = None
        restarts = 0
        while True:
            try:
                data = self._patiently(
                    self.client.order_page, {"scrollId": scroll_id} if scroll_id else query
                )
            except ScrollExpired:
                if scroll_id is None or restarts >= MAX_SCROLL_RESTARTS:
                    raise
                restarts += 1
                log.warning(
                    "rithum.scroll_expired",
                    extra={"account_id": self.account.pk, "restart": restarts, "orders_seen": len(seen)},
                )
                scroll_id = None  # the window again from its start; what was yielded is skipped
                continue
            records = data.get("orders") or []
            if not records:
                return
            fresh = []
            for record in records:
                key, version = str(record.get("dscoOrderId")), str(record.get("dscoLastUpdate") or "")
                if seen.get(key) == version:
                    continue
                seen[key] = version
                fresh.append(record)
            if fresh:
                yield OrderPage(orders=[parse_order(r) for r in fresh])
            scroll_id = data.get("scrollId")
            if not scroll_id:
                return

    def list_open_orders(self) -> Iterator[PulledOrder]:
        since = timezone.now() - timedelta(days=30)
        for page in self._scroll(since, timezone.now() - self.update_lag, statuses=OPEN_STATUSES):
            yield from (o for o in page.orders if not o.is_cancelled and not o.is_shipped)

    def acknowledge_orders(self, orders: list[PulledOrder]) -> list[str]:
        """``/order/acknowledge`` by DSCO_ORDER_ID; returns Rithum's request ids (it acknowledges later)."""
        request_ids = []
        for start in range(0, len(orders), ACKNOWLEDGE_PER_CALL):
            chunk = orders[start : start + ACKNOWLEDGE_PER_CALL]
            answer = self._patiently(
                self.client.acknowledge,
                [{"id": o.marketplace_order_id, "type": "DSCO_ORDER_ID"} for o in chunk],
            )
            request_ids.append(str(answer.get("requestId") or ""))
        return request_ids

    def acknowledgement_failures(self, request_id: str) -> dict[str, str] | None:
        """Order id -> Rithum's reason, for the orders an acknowledge request failed to acknowledge (from
        ``/order/log``); None while Rithum is still processing the request."""
        data = self._patiently(self.client.order_log, {"requestId": request_id})
        if (data.get("status") or "").upper() == "PROCESSING":
            return None
        failures: dict[str, str] = {}
        while True:
            page = data.get("logs") or []
            for entry in page:
                if entry.get("status") == "pending":
                    return None
                if entry.get("status") == "failure":
                    order_id = str((entry.get("payload") or {}).get("id") or "")
                    reason = messages_text({"messages": entry.get("results") or []}) or "failed in Rithum"
                    failures[order_id] = reason[:300]
            scroll_id = data.get("scrollId")
            if not page or not scroll_id:
                return failures
            data = self._patiently(self.client.order_log, {"scrollId": scroll_id})

    # --- shipments ----------------------------------------------------------------------------------------
    def _order_record(self, order_id: str) -> tuple[dict, dict[str, str]]:
        """The order as Rithum sent it (its stored raw record) and its lines' SKUs."""
        from marketplaces.models import Order

        order = (
            Order.objects.filter(account=self.account, marketplace_order_id=order_id)
            .select_related("raw_payload")
            .first()
        )
        if order is None:
            return {}, {}
        skus = dict(order.lines.values_list("line_id", "sku"))
        record = {}
        if order.raw_payload is not None:
            try:
                record = json.loads(bytes(order.raw_payload.body))
            except (ValueError, TypeError):
                record = {}
        return (record if isinstance(record, dict) else {}), skus

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        record, skus = self._order_record(confirmation.marketplace_order_id)
        self.client.single_shipment(shipment_body(confirmation, record, skus))

    # --- quantities ---------------------------------------------------------------------------------------
    def update_quantities(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        if len(updates) > self.max_quantity_batch:
            raise ValueError(f"at most {self.max_quantity_batch} SKUs per call")
        if not updates:
            return []
        warehouse = str(self.options.get("warehouse_code") or "")
        try:
            answer = self._patiently(
                self.client.inventory_batch_small, [inventory_item(u, warehouse) for u in updates]
            )
        except RithumValidationError as exc:  # the whole batch refused: each SKU carries Rithum's words
            return [QuantityResult(sku=u.sku, accepted=False, reason=exc.messages[:500]) for u in updates]
        request_id = str(answer.get("requestId") or "")
        if not request_id:
            raise RetryableError("inventory batch answered without a requestId", vendor="rithum")
        return [
            QuantityResult(
                sku=u.sku,
                accepted=True,
                reason=f"Rithum request {request_id} submitted, not processed yet",
                pending=request_id,
            )
            for u in updates
        ]

    def quantity_results(self, pending: str, updates: list[QuantityUpdate]) -> list[QuantityResult] | None:
        """The outcome per SKU from ``/inventory/log?requestId=``; None while Rithum is still processing."""
        logs: list[dict] = []
        data = self._patiently(self.client.inventory_log, {"requestId": pending})
        if (data.get("status") or "").upper() == "PROCESSING":
            return None
        while True:
            page = data.get("logs") or []
            logs.extend(page)
            scroll_id = data.get("scrollId")
            if not page or not scroll_id:
                break
            data = self._patiently(self.client.inventory_log, {"scrollId": scroll_id})
        return results_from_logs(updates, logs)

    # --- connection check ---------------------------------------------------------------------------------
    def check_connection(self) -> list[ConnectionCheck]:
        checks = []
        if self.client.uses_static_token:
            if not (self.account.credentials or {}).get("api_token"):
                return [
                    ConnectionCheck("credentials", False, "no client_id + client_secret, nor an api_token")
                ]
            checks.append(
                ConnectionCheck(
                    "credentials",
                    True,
                    "static API token (Rithum is phasing it out: ask support-dsco@rithum.com for client "
                    "credentials)",
                )
            )
        else:
            try:
                self.client.access_token()
                checks.append(ConnectionCheck("OAuth token", True, "client credentials accepted"))
            except ExternalApiError as exc:
                return [ConnectionCheck("OAuth token", False, str(exc))]
        checks.append(run_check("hello", lambda: json.dumps(self.client.hello())[:200]))

        def last_hour() -> str:
            now = timezone.now()
            data = self.client.order_page(
                {
                    "ordersUpdatedSince": _iso(now - timedelta(hours=1)),
                    "until": _iso(now - self.update_lag),
                    "ordersPerPage": 10,
                }
            )
            count = len(data.get("orders") or [])
            return f"{count} order(s)" + (" (more pages)" if data.get("scrollId") and count else "")

        checks.append(run_check("orders of the last hour", last_hour))
        return checks
