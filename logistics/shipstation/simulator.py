"""ShipStation V1 API simulator: orders (createorders / createorder upsert by orderKey, storeId fixed at
creation, shipped/cancelled not updatable), labels (createlabelfororder -> a shipment + SHIP_NOTIFY to
subscribed webhooks), markasshipped (-> a fulfillment), /shipments, /fulfillments, /stores, /carriers, webhook
subscriptions.

Built from reference/shipstation.md and the sample payloads: HTTP Basic checked on every call, 40 requests
per minute per key with X-Rate-Limit-Limit/Remaining/Reset on every answer and 429 past it, page/pageSize
paging, errors on bad input. Timestamps are written and read without a zone, in Pacific time, like ShipStation's. State is
in memory; ``fail_next`` injects vendor failures for tests.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import logging
import math
import threading
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import requests

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route

log = logging.getLogger(__name__)
PACIFIC = ZoneInfo("America/Los_Angeles")  # ShipStation V1 reads and writes times in Pacific time

ORDER_STATUSES = {
    "awaiting_payment",
    "awaiting_shipment",
    "pending_fulfillment",
    "shipped",
    "on_hold",
    "cancelled",
}
UPDATABLE = {"awaiting_payment", "awaiting_shipment", "pending_fulfillment", "on_hold"}
CARRIERS = [
    {
        "name": "Stamps.com",
        "code": "stamps_com",
        "accountNumber": "SIM1",
        "requiresFundedAccount": True,
        "balance": 100.0,
    },
    {"name": "FedEx", "code": "fedex", "accountNumber": "SIM2", "requiresFundedAccount": False, "balance": 0},
    {"name": "UPS", "code": "ups", "accountNumber": "SIM3", "requiresFundedAccount": False, "balance": 0},
]


def _ts(value: datetime | None = None) -> str:
    value = value or datetime.now(UTC)
    return value.astimezone(PACIFIC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def _parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text[:26] if "." in text else text, fmt).replace(tzinfo=PACIFIC)
        except ValueError:
            continue
    return None


class ShipStationSimulator(Simulator):
    name = "shipstation"

    def __init__(
        self,
        *,
        api_key: str = "sim-ss-key",
        api_secret: str = "sim-ss-secret",  # noqa: S107 - the simulator's own demo value
        per_minute: int = 40,
    ):
        super().__init__()
        self.credentials = {(api_key, api_secret)}
        self.per_minute = per_minute
        self.limiter = FixedWindowLimiter(per_minute, 60.0)
        self.stores = [
            {
                "storeId": 310001,
                "storeName": "Amazon (via integration-server)",
                "marketplaceId": 0,
                "marketplaceName": "ShipStation",
                "active": True,
            },
            {
                "storeId": 310002,
                "storeName": "eBay (via integration-server)",
                "marketplaceId": 0,
                "marketplaceName": "ShipStation",
                "active": True,
            },
            {
                "storeId": 310003,
                "storeName": "Mirakl operator A (via integration-server)",
                "marketplaceId": 0,
                "marketplaceName": "ShipStation",
                "active": True,
            },
            {
                "storeId": 310004,
                "storeName": "Rithum (via integration-server)",
                "marketplaceId": 0,
                "marketplaceName": "ShipStation",
                "active": True,
            },
            {
                "storeId": 310005,
                "storeName": "Mirakl operator B (via integration-server)",
                "marketplaceId": 0,
                "marketplaceName": "ShipStation",
                "active": True,
            },
        ]
        self.orders: dict[str, dict] = {}  # orderKey -> order
        self.shipments: list[dict] = []
        self.fulfillments: list[dict] = []
        self.webhooks: dict[int, dict] = {}
        self.notifications: list[tuple[str, int | None]] = []
        self._faults: list[dict] = []
        self._refusals: dict[str, str] = {}  # orderKey -> errorMessage its next upserts answer
        self._ids = itertools.count(700000001)
        self._batches = itertools.count(1)
        self._tracking = itertools.count(1)
        self.notify_lock = threading.Lock()

    # --- test hooks ----------------------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 500,
        times: int = 1,
        after_apply: bool = True,
        skip: int = 0,
    ):
        """The next ``times`` calls of method+path (after ``skip`` that pass: a fault on page 2) answer
        ``status``; with ``after_apply`` the call's effect happens first (the worst case: ShipStation stored
        the orders, then the answer was lost)."""
        with self.lock:
            self._faults.append(
                {
                    "method": method,
                    "path": path,
                    "status": status,
                    "times": times,
                    "after": after_apply,
                    "skip": skip,
                }
            )

    def _fault(self, request: SimRequest) -> dict | None:
        with self.lock:
            for fault in self._faults:
                if fault["method"] == request.method and fault["path"] == request.path and fault["times"] > 0:
                    if fault.get("skip"):
                        fault["skip"] -= 1
                        return None
                    fault["times"] -= 1
                    return fault
        return None

    def refuse(self, order_key: str, message: str | None) -> None:
        """Every upsert of ``order_key`` answers ``success: false`` with ``message`` (None: stop refusing),
        the order left as it was: ShipStation judging one order of a batch."""
        with self.lock:
            if message is None:
                self._refusals.pop(order_key, None)
            else:
                self._refusals[order_key] = message

    def order_by_key(self, order_key: str) -> dict | None:
        with self.lock:
            return self.orders.get(order_key)

    def ship_order(
        self,
        order_key: str,
        packages: list[list[tuple[str, int]]] | None = None,
        *,
        carrier_code: str = "fedex",
        service_code: str = "fedex_ground",
        notify: bool = True,
    ) -> list[dict]:
        """Create labels for an order: one shipment per package ([(lineItemKey, quantity)]); default one
        package with every item. Sends one SHIP_NOTIFY for the batch."""
        with self.lock:
            order = self.orders[order_key]
            if packages is None:
                packages = [
                    [(i.get("lineItemKey"), i["quantity"]) for i in order["items"] if not i.get("adjustment")]
                ]
            batch = next(self._batches)
            created = [self._new_shipment(order, pkg, carrier_code, service_code, batch) for pkg in packages]
            order["orderStatus"] = "shipped"
            order["modifyDate"] = _ts()
        if notify:
            self.notify(
                "SHIP_NOTIFY",
                order["advancedOptions"].get("storeId"),
                f"/shipments?storeID={order['advancedOptions'].get('storeId')}&batchId={batch}&includeShipmentItems=True",
            )
        return created

    def _new_shipment(self, order: dict, package, carrier_code: str, service_code: str, batch: int) -> dict:
        by_key = {i.get("lineItemKey"): i for i in order["items"]}
        items = []
        for key, qty in package:
            item = copy.deepcopy(by_key[key])
            item["quantity"] = qty
            items.append(item)
        shipment = {
            "shipmentId": next(self._ids),
            "orderId": order["orderId"],
            "orderKey": order["orderKey"],
            "userId": "sim-user",
            "orderNumber": order["orderNumber"],
            "createDate": _ts(),
            "shipDate": date.today().isoformat(),
            "shipmentCost": 4.2,
            "insuranceCost": 0,
            "trackingNumber": f"SIM{carrier_code[:3].upper()}{next(self._tracking):012d}",
            "isReturnLabel": False,
            "batchNumber": str(batch),
            "carrierCode": carrier_code,
            "serviceCode": service_code,
            "packageCode": "package",
            "confirmation": "none",
            "warehouseId": 1,
            "voided": False,
            "voidDate": None,
            "marketplaceNotified": False,
            "notifyErrorMessage": None,
            "shipTo": copy.deepcopy(order.get("shipTo")),
            "weight": {"value": 16, "units": "ounces"},
            "dimensions": None,
            "insuranceOptions": {"provider": None, "insureShipment": False, "insuredValue": 0},
            "advancedOptions": {"storeId": order["advancedOptions"].get("storeId")},
            "shipmentItems": items,
            "labelData": None,
            "formData": None,
            "_batch": batch,
        }
        self.shipments.append(shipment)
        return shipment

    def notify(self, event: str, store_id, resource_path: str) -> None:
        """POST {resource_url, resource_type} to every subscription of the event (and store)."""
        with self.lock:
            targets = [
                w for w in self.webhooks.values() if w["event"] == event and w["store_id"] in (None, store_id)
            ]
        body = {"resource_url": f"{self.base_url}{resource_path}", "resource_type": event}
        for hook in targets:
            try:
                resp = requests.post(hook["target_url"], json=body, timeout=30)
                status = resp.status_code
            except requests.RequestException as exc:
                log.warning("sim.shipstation.notify_failed", extra={"error": type(exc).__name__})
                status = None
            with self.lock:
                self.notifications.append((hook["target_url"], status))

    # --- plumbing ----------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            key = environ.get("HTTP_AUTHORIZATION", "anon")
            remaining = self.limiter.remaining(key)
            start_, count = self.limiter._windows.get(key, (0, 0))
            reset = max(int(math.ceil(60 - (time.monotonic() - start_))), 0) if count else 60
            headers = [
                *headers,
                ("X-Rate-Limit-Limit", str(self.per_minute)),
                ("X-Rate-Limit-Remaining", str(remaining)),
                ("X-Rate-Limit-Reset", str(reset)),
            ]
            return start_response(status, headers, exc_info)

        return super().__call__(environ, start)

    def dispatch(self, request: SimRequest):
        auth = request.headers.get("authorization", "")
        try:
            scheme, token = auth.split(" ", 1)
            key, secret = base64.b64decode(token).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            scheme, key, secret = "", "", ""
        if scheme.lower() != "basic" or (key, secret) not in self.credentials:
            return json_response(401, {"Message": "Authorization has been denied for this request."})
        if self.limiter.hit(auth) is not None:
            return json_response(429, {"Message": "Too many requests"})
        fault = self._fault(request)
        if fault and not fault["after"]:
            return json_response(
                fault["status"], {"Message": "An error has occurred.", "ExceptionMessage": "simulated"}
            )
        result = super().dispatch(request)
        if fault:
            return json_response(
                fault["status"], {"Message": "An error has occurred.", "ExceptionMessage": "simulated"}
            )
        return result

    @staticmethod
    def _page(records: list[dict], request: SimRequest, key: str, max_size: int = 500):
        try:
            page = int(request.arg("page", "1"))
            size = int(request.arg("pageSize", "100"))
        except ValueError:
            return json_response(
                400,
                {
                    "Message": "The request is invalid.",
                    "ExceptionMessage": "page and pageSize must be numbers",
                },
            )
        if page < 1 or not 1 <= size <= max_size:
            return json_response(
                400, {"Message": "The request is invalid.", "ExceptionMessage": "page/pageSize out of range"}
            )
        total = len(records)
        chunk = records[(page - 1) * size : page * size]
        return json_response(
            200,
            {
                key: chunk,
                "total": total,
                "page": page,
                "pages": max(math.ceil(total / size), 1) if total else 0,
            },
        )

    # --- orders ----------------------------------------------------------------------------------------------
    def _upsert(self, data) -> dict:
        if not isinstance(data, dict):
            return {
                "orderId": 0,
                "orderNumber": None,
                "orderKey": None,
                "success": False,
                "errorMessage": "The order is not an object.",
            }
        number, key = data.get("orderNumber"), data.get("orderKey")
        result = {
            "orderId": 0,
            "orderNumber": number,
            "orderKey": key,
            "success": False,
            "errorMessage": None,
        }
        missing = [
            f for f in ("orderNumber", "orderDate", "orderStatus", "billTo", "shipTo") if not data.get(f)
        ]
        if missing:
            result["errorMessage"] = f"{', '.join(missing)} required."
            return result
        if data["orderStatus"] not in ORDER_STATUSES:
            result["errorMessage"] = f"Invalid orderStatus {data['orderStatus']}."
            return result
        items = data.get("items") or []
        if not isinstance(items, list) or any(
            not isinstance(i, dict) or int(i.get("quantity") or 0) < 0 for i in items
        ):
            result["errorMessage"] = "Invalid items."
            return result
        country = (data.get("shipTo") or {}).get("country") or ""
        if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
            result["errorMessage"] = f"Invalid ShipTo country code '{country}'."
            return result
        with self.lock:
            refusal = self._refusals.get(key or "")
        if refusal:
            result["errorMessage"] = refusal
            return result
        store_id = (data.get("advancedOptions") or {}).get("storeId")
        if store_id is not None and store_id not in {s["storeId"] for s in self.stores}:
            result["errorMessage"] = f"Store {store_id} not found."
            return result
        key = key or f"sim-{next(self._ids)}"
        with self.lock:
            existing = self.orders.get(key)
            if existing and existing["orderStatus"] not in UPDATABLE:
                result.update(
                    orderId=existing["orderId"],
                    orderKey=key,
                    errorMessage=f"The order is {existing['orderStatus']} and cannot be updated.",
                )
                return result
            order = copy.deepcopy(data)
            order["orderKey"] = key
            order["orderId"] = existing["orderId"] if existing else next(self._ids)
            order["createDate"] = existing["createDate"] if existing else _ts()
            order["modifyDate"] = _ts()
            options = order.setdefault("advancedOptions", {}) or {}
            order["advancedOptions"] = options
            first_store = self.stores[0]["storeId"]
            options["storeId"] = (
                existing["advancedOptions"]["storeId"] if existing else (store_id or first_store)
            )
            for n, item in enumerate(order["items"] or []):
                item.setdefault("orderItemId", order["orderId"] * 100 + n)
            self.orders[key] = order
        result.update(orderId=order["orderId"], orderKey=key, success=True)
        return result

    @route("POST", r"/orders/createorders")
    def create_orders(self, request: SimRequest):
        try:
            body = request.json()
        except ValueError:
            return json_response(
                400, {"Message": "The request is invalid.", "ExceptionMessage": "malformed JSON"}
            )
        if not isinstance(body, list) or not body:
            return json_response(
                400,
                {"Message": "The request is invalid.", "ExceptionMessage": "an array of orders is required"},
            )
        if len(body) > 100:
            return json_response(
                400,
                {"Message": "The request is invalid.", "ExceptionMessage": "at most 100 orders per request"},
            )
        results = [self._upsert(order) for order in body]
        return json_response(200, {"hasErrors": any(not r["success"] for r in results), "results": results})

    @route("POST", r"/orders/createorder")
    def create_order(self, request: SimRequest):
        try:
            body = request.json()
        except ValueError:
            return json_response(400, {"Message": "The request is invalid."})
        result = self._upsert(body)
        if not result["success"]:
            return json_response(
                400, {"Message": "The request is invalid.", "ExceptionMessage": result["errorMessage"]}
            )
        with self.lock:
            return json_response(200, self.orders[result["orderKey"]])

    def _order_by_id(self, order_id) -> dict | None:
        with self.lock:
            return next((o for o in self.orders.values() if str(o["orderId"]) == str(order_id)), None)

    @route("GET", r"/orders/(\d+)")
    def get_order(self, request: SimRequest, order_id: str):
        order = self._order_by_id(order_id)
        if order is None:
            return json_response(404, {"Message": "Order not found."})
        return json_response(200, order)

    @route("GET", r"/orders")
    def list_orders(self, request: SimRequest):
        with self.lock:
            orders = list(self.orders.values())
        for name, field in (("orderNumber", "orderNumber"), ("orderStatus", "orderStatus")):
            if request.arg(name):
                orders = [o for o in orders if str(o.get(field)) == request.arg(name)]
        if request.arg("storeId"):
            orders = [o for o in orders if str(o["advancedOptions"].get("storeId")) == request.arg("storeId")]
        return self._page(orders, request, "orders")

    @route("POST", r"/orders/createlabelfororder")
    def create_label(self, request: SimRequest):
        try:
            body = request.json()
            order = self._order_by_id(body["orderId"])
            carrier, service = body["carrierCode"], body["serviceCode"]
        except (ValueError, KeyError, TypeError):
            return json_response(
                400,
                {
                    "Message": "The request is invalid.",
                    "ExceptionMessage": "orderId, carrierCode and serviceCode are required",
                },
            )
        if order is None:
            return json_response(404, {"Message": "Order not found."})
        if order["orderStatus"] != "awaiting_shipment":
            return json_response(
                400,
                {
                    "Message": "The request is invalid.",
                    "ExceptionMessage": f"Order is {order['orderStatus']}.",
                },
            )
        shipment = self.ship_order(order["orderKey"], carrier_code=carrier, service_code=service)[0]
        answer = {k: v for k, v in shipment.items() if not k.startswith("_")}
        answer["labelData"] = base64.b64encode(b"%PDF-simulated").decode()
        return json_response(200, answer)

    @route("POST", r"/orders/markasshipped")
    def mark_as_shipped(self, request: SimRequest):
        try:
            body = request.json()
            order = self._order_by_id(body["orderId"])
            carrier = body["carrierCode"]
        except (ValueError, KeyError, TypeError):
            return json_response(
                400,
                {
                    "Message": "The request is invalid.",
                    "ExceptionMessage": "orderId and carrierCode are required",
                },
            )
        if order is None:
            return json_response(404, {"Message": "Order not found."})
        with self.lock:
            fulfillment = {
                "fulfillmentId": next(self._ids),
                "orderId": order["orderId"],
                "orderNumber": order["orderNumber"],
                "userId": "sim-user",
                "customerEmail": order.get("customerEmail"),
                "trackingNumber": body.get("trackingNumber") or "",
                "createDate": _ts(),
                "shipDate": body.get("shipDate") or date.today().isoformat(),
                "voidDate": None,
                "deliveryDate": None,
                "carrierCode": carrier,
                "fulfillmentProviderCode": None,
                "fulfillmentServiceCode": None,
                "fulfillmentFee": 0,
                "voidRequested": False,
                "voided": False,
                "marketplaceNotified": False,
                "notifyErrorMessage": None,
                "shipTo": copy.deepcopy(order.get("shipTo")),
            }
            self.fulfillments.append(fulfillment)
            order["orderStatus"] = "shipped"
        return json_response(200, {"orderId": order["orderId"], "orderNumber": order["orderNumber"]})

    # --- shipments and fulfillments -----------------------------------------------------------------------
    def _filtered(self, records: list[dict], request: SimRequest) -> list[dict]:
        out = records
        for name in ("orderNumber", "orderId", "trackingNumber", "carrierCode", "batchId"):
            value = request.arg(name)
            if value:
                field = "_batch" if name == "batchId" else name
                out = [r for r in out if str(r.get(field)) == value]
        if request.arg("storeId") or request.arg("storeID"):
            store = request.arg("storeId") or request.arg("storeID")
            out = [r for r in out if str((r.get("advancedOptions") or {}).get("storeId", store)) == store]
        start, end = _parse_ts(request.arg("createDateStart")), _parse_ts(request.arg("createDateEnd"))
        if start:
            out = [r for r in out if _parse_ts(r["createDate"]) >= start]
        if end:
            out = [r for r in out if _parse_ts(r["createDate"]) <= end]
        return out

    @route("GET", r"/shipments")
    def list_shipments(self, request: SimRequest):
        with self.lock:
            records = self._filtered(list(self.shipments), request)
            include_items = (request.arg("includeShipmentItems") or "").lower() == "true"
            shaped = []
            for r in records:
                record = {k: copy.deepcopy(v) for k, v in r.items() if not k.startswith("_")}
                if not include_items:
                    record["shipmentItems"] = None
                shaped.append(record)
        return self._page(shaped, request, "shipments")

    @route("GET", r"/fulfillments")
    def list_fulfillments(self, request: SimRequest):
        with self.lock:
            records = [copy.deepcopy(r) for r in self._filtered(list(self.fulfillments), request)]
        return self._page(records, request, "fulfillments")

    # --- account ---------------------------------------------------------------------------------------------
    @route("GET", r"/stores")
    def list_stores(self, request: SimRequest):
        return json_response(200, self.stores)

    @route("GET", r"/carriers")
    def list_carriers(self, request: SimRequest):
        return json_response(200, CARRIERS)

    @route("POST", r"/webhooks/subscribe")
    def subscribe(self, request: SimRequest):
        try:
            body = request.json()
            target, event = body["target_url"], body["event"]
        except (ValueError, KeyError, TypeError):
            return json_response(
                400,
                {
                    "Message": "The request is invalid.",
                    "ExceptionMessage": "target_url and event are required",
                },
            )
        if event not in {"ORDER_NOTIFY", "ITEM_ORDER_NOTIFY", "SHIP_NOTIFY", "ITEM_SHIP_NOTIFY"} or not str(
            target
        ).startswith(("http://", "https://")):
            return json_response(
                400, {"Message": "The request is invalid.", "ExceptionMessage": "invalid event or target_url"}
            )
        with self.lock:
            hook_id = next(self._ids)
            self.webhooks[hook_id] = {
                "target_url": target,
                "event": event,
                "store_id": body.get("store_id"),
                "friendly_name": body.get("friendly_name") or "",
            }
        return json_response(201, {"id": hook_id})

    @route("GET", r"/webhooks")
    def list_webhooks(self, request: SimRequest):
        with self.lock:
            hooks = [
                {
                    "WebHookID": i,
                    "StoreID": w["store_id"],
                    "HookType": w["event"],
                    "MessageFormat": "Json",
                    "Url": w["target_url"],
                    "Name": w["friendly_name"],
                    "Active": True,
                }
                for i, w in self.webhooks.items()
            ]
        return json_response(200, {"webhooks": hooks})

    @route("DELETE", r"/webhooks/(\d+)")
    def unsubscribe(self, request: SimRequest, hook_id: str):
        with self.lock:
            if self.webhooks.pop(int(hook_id), None) is None:
                return json_response(404, {"Message": "Webhook not found."})
        return 200, b"", {"Content-Type": "application/json"}

    def dump(self) -> str:
        with self.lock:
            return json.dumps({"orders": len(self.orders), "shipments": len(self.shipments)})
