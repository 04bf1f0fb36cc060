"""Rithum (Dsco Platform API v3) simulator: OAuth client-credentials tokens (or the static token), hello,
``/order/page`` with ``scrollId`` paging, ``/order/acknowledge`` + ``/order/log``, ``/order/singleShipment``,
``/inventory/batch/small`` + ``/inventory/log``.

Built from reference/rithum.md (its last section) and the captured payloads: ``until`` must be at least 5 s
in the past, ``ordersUpdatedSince`` is exclusive, ``ordersPerPage`` 10-1000, the scrollId stays the same
between pages and an empty page ends the scroll, a scroll unused for ``scroll_ttl`` seconds answers 404
(``expire_scroll_after(pages)`` makes one expire midway), 10 requests/s and 500/min on ``/order/page`` (429
past them), batch endpoints answer 202 ``{"status": "pending", "requestId"}`` and report per object in their
log, a shipment missing a field the account requires answers 400 ``VALIDATION_FAILED`` like the capture.
State is in memory.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route

# Fields some retailers' accounts require on a shipment beyond the spec (the captured 400 lists them).
DEFAULT_REQUIRED_SHIPMENT_FIELDS = ("poNumber", "shipCarrier", "shippingServiceLevelCode", "lineItems.sku")
FIELD_WORDS = {"shipCarrier": "Ship carrier", "shippingServiceLevelCode": "Shipping service level code"}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _messages(status: int, *messages: tuple[str, str], headers: dict | None = None):
    return json_response(
        status,
        {"messages": [{"code": code, "severity": "error", "description": text} for code, text in messages]},
        headers,
    )


class RithumSimulator(Simulator):
    name = "rithum"

    def __init__(
        self,
        *,
        client_id: str = "sim-rithum-client",
        client_secret: str = "sim-rithum-secret",  # noqa: S107 - the simulator's own demo value
        static_token: str = "sim-rithum-static-token",  # noqa: S107
        scroll_ttl: float = 300.0,
        per_second: int = 10,
        per_minute: int = 500,
        required_shipment_fields: tuple[str, ...] = DEFAULT_REQUIRED_SHIPMENT_FIELDS,
        inventory_processing_reads: int = 0,
    ):
        super().__init__()
        self.client_id, self.client_secret, self.static_token = client_id, client_secret, static_token
        self.scroll_ttl = scroll_ttl
        self.required_shipment_fields = tuple(required_shipment_fields)
        # a batch's log says PROCESSING for this many reads before the outcome is there
        self.inventory_processing_reads = inventory_processing_reads
        self.access_tokens: dict[str, datetime] = {}
        self.token_requests = 0
        self.orders: dict[str, dict] = {}  # dscoOrderId -> order
        self.acknowledged: dict[str, int] = {}  # dscoOrderId -> times acknowledged
        self.shipments: list[dict] = []  # every accepted singleShipment body
        self.inventory: dict[str, int] = {}  # sku -> quantityAvailable
        self.rejected_skus: dict[str, str] = {}  # sku -> why an inventory update of it fails
        self._order_logs: dict[str, list[dict]] = {}
        self._inventory_logs: dict[str, dict] = {}  # requestId -> {"logs", "reads_left"}
        self._scrolls: dict[str, dict] = {}
        self._expire_after: int | None = None
        self._second = FixedWindowLimiter(per_second, 1.0)
        self._minute = FixedWindowLimiter(per_minute, 60.0)
        self._seq = 1_020_000_000

    # --- test and demo helpers ---------------------------------------------------------------------------
    def add_order(
        self,
        order_id: str | None = None,
        *,
        items: list[dict] | None = None,
        lifecycle: str = "created",
        updated: datetime | None = None,
        po_number: str | None = None,
        warehouse_code: str | None = None,
    ) -> dict:
        """A dropship order in the captured ``/order/page`` shape. ``items``: [{"sku", "quantity", "cost"}]."""
        with self.lock:
            self._seq += 1
            seq = self._seq
        order_id = order_id or str(seq)
        updated = updated or (_now() - timedelta(minutes=2))
        items = items if items is not None else [{"sku": f"SKU-{seq % 7:06d}", "quantity": 1}]
        line_items = []
        for n, item in enumerate(items, start=1):
            line_items.append(
                {
                    "lineNumber": n,
                    "sku": item.get("sku"),
                    "partnerSku": item.get("sku"),
                    "dscoItemId": f"13{seq % 10**7:07d}{n}",
                    "title": item.get("title", f"Simulated item {item.get('sku')}"),
                    "quantity": int(item.get("quantity", 1)),
                    "acceptedQuantity": 0,
                    "cancelledQuantity": 0,
                    "rejectedQuantity": 0,
                    "expectedCost": float(item.get("cost", 20.0)),
                    "retailerLineId": f"2024{seq % 10**5:05d}{n}",
                }
            )
        record = {
            "billTo": {},
            "channel": "SIMCHANNEL",
            "consumerOrderDate": _iso(updated - timedelta(hours=1)),
            "orderType": "dropship",
            "poNumber": po_number or f"SIM.{seq}",
            "requestedShipCarrier": "Generic",
            "requestedShipMethod": "Ground",
            "requestedShippingServiceLevelCode": "GCG",
            "shipCarrier": "Generic",
            "shipMethod": "Ground",
            "shippingServiceLevelCode": "GCG",
            "shipping": {
                "address1": "1 FAKE WAY",
                "address": ["1 FAKE WAY"],
                "city": "ANYTOWN",
                "country": "US",
                "firstName": "Sam",
                "lastName": "Smith",
                "name": "Sam Smith",
                "phone": "5555550100",
                "postal": "00000",
                "region": "ID",
                "state": "ID",
            },
            "testFlag": False,
            "dscoCreateDate": _iso(updated - timedelta(minutes=30)),
            "lineItems": line_items,
            "extendedExpectedCostTotal": round(sum(i["expectedCost"] * i["quantity"] for i in line_items), 2),
            "dscoLastUpdate": _iso(updated),
            "dscoLifecycle": lifecycle,
            "dscoStatus": {"created": "created", "acknowledged": "shipment_pending"}.get(
                lifecycle, lifecycle
            ),
            "dscoRetailerId": "1000051226",
            "dscoOrderId": order_id,
            "dscoSupplierId": "1000062228",
            "dscoSupplierName": "Simulated Supplier",
        }
        if warehouse_code:
            record["shipWarehouseCode"] = warehouse_code
        with self.lock:
            self.orders[order_id] = record
        return record

    def add_record(self, record: dict) -> dict:
        """A captured order as it is (a fixture)."""
        with self.lock:
            self.orders[str(record["dscoOrderId"])] = copy.deepcopy(record)
        return record

    def cancel_order(self, order_id: str, updated: datetime | None = None) -> None:
        """The retailer cancels every line (dscoStatus ``cancelled``; the lifecycle ends ``completed``)."""
        with self.lock:
            record = self.orders[order_id]
            for item in record["lineItems"]:
                item["cancelledQuantity"] = item["quantity"]
            record.update(
                dscoStatus="cancelled",
                dscoLifecycle="completed",
                dscoLastUpdate=_iso(updated or (_now() - timedelta(seconds=30))),
            )

    def expire_scroll_after(self, pages: int) -> None:
        """The next scroll expires after serving this many pages (as if 5 minutes passed)."""
        self._expire_after = pages

    def expire_scrolls(self) -> None:
        with self.lock:
            self._scrolls.clear()

    # --- plumbing -----------------------------------------------------------------------------------------
    def _authorized(self, request: SimRequest):
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer":
            with self.lock:
                expires = self.access_tokens.get(token)
            if token == self.static_token or (expires and expires > _now()):
                return None
        return _messages(401, ("UNAUTHORIZED", "Invalid or expired token"))

    def _limited(self, request: SimRequest, operation: str):
        key = request.headers.get("authorization", "") + operation
        wait = self._second.hit(key) or self._minute.hit(key)
        if wait is not None:
            return _messages(429, ("TOO_MANY_REQUESTS", "Rate limit exceeded"))
        return None

    # --- auth ---------------------------------------------------------------------------------------------
    @route("POST", r"/oauth2/token")
    def token(self, request: SimRequest):
        form = request.form()
        with self.lock:
            self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_response(401, {"error": "invalid_client"})
        token = "eyJ" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = _now() + timedelta(seconds=3600)
        return json_response(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    @route("GET", r"/hello")
    def hello(self, request: SimRequest):
        return self._authorized(request) or json_response(200, {"hello": "World!"})

    # --- orders -------------------------------------------------------------------------------------------
    @route("GET", r"/order/page")
    def order_page(self, request: SimRequest):
        denied = self._authorized(request) or self._limited(request, "getOrders")
        if denied:
            return denied
        scroll_id = request.arg("scrollId")
        if scroll_id:
            with self.lock:
                scroll = self._scrolls.get(scroll_id)
                if scroll is None or (_now() - scroll["used"]).total_seconds() > self.scroll_ttl:
                    self._scrolls.pop(scroll_id, None)
                    return _messages(404, ("NOT_FOUND", "The page does not exist or has expired"))
                return self._serve(scroll_id, scroll)
        since_arg, created_arg = request.arg("ordersUpdatedSince"), request.arg("ordersCreatedSince")
        until = _parse(request.arg("until"))
        if bool(since_arg) == bool(created_arg) or until is None:
            return _messages(
                400,
                ("VALIDATION_FAILED", "ordersUpdatedSince or ordersCreatedSince, and until, are required"),
            )
        since = _parse(since_arg or created_arg)
        if since is None:
            return _messages(400, ("VALIDATION_FAILED", "Invalid date"))
        if until > _now() - timedelta(seconds=5):
            return _messages(400, ("VALIDATION_FAILED", "until must be at least 5 seconds in the past"))
        try:
            size = int(request.arg("ordersPerPage", "1000"))
        except ValueError:
            size = 0
        if not 10 <= size <= 1000:
            return _messages(400, ("VALIDATION_FAILED", "ordersPerPage must be between 10 and 1000"))
        statuses = set(request.query.get("status") or [])
        field = "dscoLastUpdate" if since_arg else "dscoCreateDate"
        with self.lock:
            matching = []
            for record in self.orders.values():
                at = _parse(record[field])
                inside = (
                    (at > since) if since_arg else (at >= since)
                )  # updated: exclusive; created: inclusive
                if inside and at <= until and (not statuses or record["dscoStatus"] in statuses):
                    matching.append(copy.deepcopy(record))
            matching.sort(key=lambda r: (r[field], r["dscoOrderId"]))
            scroll_id = "FGluY2x1ZGVfY29udGV4dF91dWlk" + secrets.token_urlsafe(16)
            scroll = {"orders": matching, "offset": 0, "size": size, "used": _now(), "pages": 0}
            if self._expire_after is not None:
                scroll["expire_after"], self._expire_after = self._expire_after, None
            if len(matching) > size:
                self._scrolls[scroll_id] = scroll
            return self._serve(scroll_id if len(matching) > size else None, scroll)

    def _serve(self, scroll_id: str | None, scroll: dict):
        """One page (under self.lock); an exhausted scroll answers an empty page."""
        page = scroll["orders"][scroll["offset"] : scroll["offset"] + scroll["size"]]
        scroll["offset"] += len(page)
        scroll["used"] = _now()
        scroll["pages"] += 1
        if scroll_id and scroll.get("expire_after") is not None and scroll["pages"] >= scroll["expire_after"]:
            self._scrolls.pop(scroll_id, None)  # the next page request finds it gone
        body: dict = {"orders": page}
        if scroll_id:
            body["scrollId"] = scroll_id
        return json_response(200, body)

    @route("POST", r"/order/acknowledge")
    def acknowledge(self, request: SimRequest):
        denied = self._authorized(request) or self._limited(request, "acknowledgeOrders")
        if denied:
            return denied
        try:
            ids = request.json()
        except ValueError:
            return _messages(400, ("VALIDATION_FAILED", "Invalid JSON"))
        if not isinstance(ids, list) or not ids:
            return _messages(400, ("VALIDATION_FAILED", "An array of order ids is required"))
        request_id = str(uuid.uuid4())
        logs = []
        with self.lock:
            for entry in ids:
                if not isinstance(entry, dict) or entry.get("type") not in (
                    "DSCO_ORDER_ID",
                    "PO_NUMBER",
                    "SUPPLIER_ORDER_NUMBER",
                ):
                    return _messages(400, ("VALIDATION_FAILED", "Each id needs id and type"))
                record = self._find(str(entry.get("id")), entry["type"])
                ok = record is not None
                if ok:
                    oid = record["dscoOrderId"]
                    self.acknowledged[oid] = self.acknowledged.get(oid, 0) + 1
                    if record["dscoLifecycle"] == "created":
                        record.update(
                            dscoLifecycle="acknowledged",
                            dscoStatus="shipment_pending",
                            dscoLastUpdate=_iso(_now() - timedelta(seconds=6)),
                        )
                logs.append(
                    {
                        "payload": entry,
                        "dateProcessed": _iso(_now()),
                        "status": "success" if ok else "failure",
                        "requestMethod": "api",
                        "requestId": request_id,
                        "results": [] if ok else [{"code": "NOT_FOUND", "description": "Order not found"}],
                    }
                )
            self._order_logs[request_id] = logs
        return self._pending(request_id)

    @staticmethod
    def _pending(request_id: str):
        return json_response(
            202,
            {
                "status": "pending",
                "requestId": request_id,
                "eventDate": _iso(_now()),
                "messages": [
                    {
                        "code": "submitted",
                        "severity": "info",
                        "description": ["Asynchronous request submitted"],
                    }
                ],
            },
        )

    def _find(self, value: str, kind: str) -> dict | None:
        if kind == "DSCO_ORDER_ID":
            return self.orders.get(value)
        field = "poNumber" if kind == "PO_NUMBER" else "supplierOrderNumber"
        return next((r for r in self.orders.values() if r.get(field) == value), None)

    @route("GET", r"/order/log")
    def order_log(self, request: SimRequest):
        denied = self._authorized(request)
        if denied:
            return denied
        with self.lock:
            logs = self._order_logs.get(request.arg("requestId") or "")
        if logs is None:
            return json_response(200, {"logs": []})
        return json_response(200, {"status": "COMPLETED", "logs": logs})

    @route("POST", r"/order/singleShipment")
    def single_shipment(self, request: SimRequest):
        denied = self._authorized(request) or self._limited(request, "singleShipment")
        if denied:
            return denied
        try:
            body = request.json()
            shipment = body["shipments"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return _messages(400, ("VALIDATION_FAILED", "shipments is required"))
        problems = self._shipment_problems(body, shipment)
        if problems:
            first = problems[0]
            words = FIELD_WORDS.get(first, first)
            return json_response(
                400,
                {
                    "messages": [
                        {
                            "code": "VALIDATION_FAILED",
                            "severity": "error",
                            "description": f"{words} is required",
                        },
                        {"description": "All of these fields are required: " + ", ".join(problems)},
                    ]
                },
            )
        with self.lock:
            record = self.orders.get(str(body.get("dscoOrderId") or "")) or self._find(
                str(body.get("poNumber") or ""), "PO_NUMBER"
            )
            if record is None:
                return _messages(400, ("VALIDATION_FAILED", "The order was not found"))
            by_sku = {i["sku"]: i for i in record["lineItems"]}
            for line in shipment["lineItems"]:
                item = by_sku.get(line.get("sku"))
                if item is None:
                    return _messages(400, ("VALIDATION_FAILED", f"Unknown line item {line.get('sku')}"))
                shipped = item.get("shippedQuantity", 0) + int(line["quantity"])
                if shipped > item["quantity"] - item.get("cancelledQuantity", 0):
                    return _messages(400, ("VALIDATION_FAILED", f"Too many units of {item['sku']} shipped"))
            for line in shipment["lineItems"]:
                item = by_sku[line["sku"]]
                item["shippedQuantity"] = item.get("shippedQuantity", 0) + int(line["quantity"])
            self.shipments.append(body)
            record.setdefault("packages", []).append(
                {
                    "trackingNumber": shipment["trackingNumber"],
                    "shipCarrier": shipment.get("shipCarrier"),
                    "items": shipment["lineItems"],
                }
            )
            done = all(i.get("shippedQuantity", 0) >= i["quantity"] for i in record["lineItems"])
            if done:
                record.update(dscoLifecycle="completed", dscoStatus="shipped")
            record["dscoLastUpdate"] = _iso(_now() - timedelta(seconds=6))
        return json_response(201, {"success": True})

    def _shipment_problems(self, body: dict, shipment: dict) -> list[str]:
        missing = []
        if not (body.get("dscoOrderId") or body.get("poNumber") or body.get("supplierOrderNumber")):
            missing.append("dscoOrderId")
        if not shipment.get("trackingNumber"):
            missing.append("trackingNumber")
        lines = shipment.get("lineItems")
        if not lines:
            missing.append("lineItems")
        for line in lines or []:
            if not line.get("quantity"):
                missing.append("lineItems.quantity")
            if not any(line.get(k) for k in ("sku", "partnerSku", "dscoItemId", "upc", "ean")):
                missing.append("lineItems.sku")
        for name in self.required_shipment_fields:
            if name.startswith("lineItems."):
                key = name.split(".", 1)[1]
                if any(not line.get(key) for line in lines or []):
                    missing.append(name)
            elif not (body.get(name) or shipment.get(name)):
                missing.append(name)
        return list(dict.fromkeys(missing))

    # --- inventory ----------------------------------------------------------------------------------------
    @route("POST", r"/inventory/batch/small")
    def inventory_batch_small(self, request: SimRequest):
        denied = self._authorized(request) or self._limited(request, "updateInventorySmallBatch")
        if denied:
            return denied
        if len(request.body) > 5 * 1024 * 1024:
            return _messages(413, ("PAYLOAD_TOO_LARGE", "At most 5 MB"))
        try:
            items = request.json()
        except ValueError:
            return _messages(400, ("VALIDATION_FAILED", "Invalid JSON"))
        if not isinstance(items, list) or not items:
            return _messages(400, ("VALIDATION_FAILED", "An array of ItemInventory is required"))
        request_id = str(uuid.uuid4())
        logs = []
        with self.lock:
            for item in items:
                item = item if isinstance(item, dict) else {}
                sku = item.get("sku")
                quantity = item.get("quantityAvailable")
                if quantity is None and item.get("warehouses"):
                    quantities = [
                        w.get("quantity") for w in item["warehouses"] if w.get("quantity") is not None
                    ]
                    quantity = sum(quantities) if quantities else None
                problems = [
                    text
                    for ok, text in (
                        (bool(sku), "sku is required"),
                        (
                            item.get("status") in ("in-stock", "out-of-stock", "discontinued", "hidden"),
                            "status is required",
                        ),
                        (quantity is not None, "quantityAvailable or warehouses[].quantity is required"),
                    )
                    if not ok
                ]
                if not problems and sku in self.rejected_skus:
                    problems = [self.rejected_skus[sku]]
                if not problems:
                    self.inventory[sku] = int(quantity)
                logs.append(
                    {
                        "payload": item,
                        "dateProcessed": _iso(_now()),
                        "status": "failure" if problems else "success",
                        "requestMethod": "api",
                        "requestId": request_id,
                        "results": [
                            {"code": "VALIDATION_FAILED", "severity": "error", "description": problems}
                        ]
                        if problems
                        else [],
                    }
                )
            self._inventory_logs[request_id] = {"logs": logs, "reads_left": self.inventory_processing_reads}
        return self._pending(request_id)

    @route("GET", r"/inventory/log")
    def inventory_log(self, request: SimRequest):
        denied = self._authorized(request)
        if denied:
            return denied
        scroll_id = request.arg("scrollId")
        with self.lock:
            if scroll_id:
                scroll = self._scrolls.get(scroll_id)
                if scroll is None:
                    return _messages(404, ("NOT_FOUND", "The page does not exist or has expired"))
                page = scroll["orders"][scroll["offset"] : scroll["offset"] + scroll["size"]]
                scroll["offset"] += len(page)
                return json_response(200, {"status": "COMPLETED", "logs": page, "scrollId": scroll_id})
            entry = self._inventory_logs.get(request.arg("requestId") or "")
            if entry is None:
                return json_response(200, {"logs": []})
            if entry["reads_left"] > 0:
                entry["reads_left"] -= 1
                return json_response(200, {"status": "PROCESSING", "logs": []})
            logs, size = entry["logs"], 1000
            if len(logs) <= size:
                return json_response(200, {"status": "COMPLETED", "logs": logs})
            scroll_id = secrets.token_urlsafe(16)
            self._scrolls[scroll_id] = {
                "orders": logs,
                "offset": size,
                "size": size,
                "used": _now(),
                "pages": 1,
            }
            return json_response(200, {"status": "COMPLETED", "logs": logs[:size], "scrollId": scroll_id})


def demo_simulator() -> RithumSimulator:
    """For ``manage.py run_simulators``: a Rithum host with a few new dropship orders of the Zoho demo SKUs."""
    sim = RithumSimulator()
    for n in range(6):
        sim.add_order(items=[{"sku": f"SKU-{n % 3:06d}", "quantity": 1 + n % 2, "cost": 24.9}])
    return sim
