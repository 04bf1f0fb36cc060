"""eBay simulator: the OAuth token endpoint (refresh-token grant), the Trading API (GetOrders, CompleteSale,
ReviseInventoryStatus, GeteBayOfficialTime) and the REST Inventory API bulkUpdatePriceQuantity, plus
Developer Analytics getUserRateLimits.

Answers follow the captured payloads in ../shared/fixtures/ebay/ (element names and order, ``Errors`` blocks
with ``ErrorParameters``, paging fields at the root after ``OrderArray``). Access tokens expire (2 h, or at
once with ``expire_tokens``): Trading answers error 931, REST answers 401. Each call has a daily quota
(``quotas``): past it Trading answers error 518, REST 429. Requests are parsed with defusedxml.
State is in memory.
"""

from __future__ import annotations

import base64
import secrets
import xml.etree.ElementTree as ET  # noqa: S405 - building answers only
from datetime import UTC, datetime, timedelta

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route
from marketplaces.clients.ebay_xml import NS, parse_xml, text

XML = {"Content-Type": "text/xml;charset=utf-8"}
DEFAULT_QUOTA = 1_000_000
MAX_LOOKBACK = timedelta(days=90)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _add(parent, tag: str, value=None, **attrs):
    el = ET.SubElement(parent, tag, **attrs)
    if value is not None:
        el.text = str(value)
    return el


def _answer(call: str, ack: str = "Success", errors: list[dict] | None = None):
    root = ET.Element(f"{call}Response", xmlns=NS)
    _add(root, "Timestamp", _iso(_now()))
    _add(root, "Ack", ack)
    for err in errors or []:
        block = _add(root, "Errors")
        _add(block, "ShortMessage", err["short"])
        _add(block, "LongMessage", err.get("long", err["short"]))
        _add(block, "ErrorCode", err["code"])
        _add(block, "SeverityCode", err.get("severity", "Error"))
        for param_id, value in (err.get("params") or {}).items():
            _add(_add(block, "ErrorParameters", ParamID=param_id), "Value", value)
        _add(block, "ErrorClassification", err.get("classification", "RequestError"))
    _add(root, "Version", "1355")
    _add(root, "Build", "E1355_SIM")
    return root


def _xml(root, status: int = 200):
    return status, b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root), XML


class EbaySimulator(Simulator):
    name = "ebay"

    def __init__(
        self,
        *,
        client_id: str = "sim-ebay-client",
        client_secret: str = "sim-ebay-secret",  # noqa: S107 - the simulator's own demo value
        refresh_token: str = "v^1.1#sim-ebay-refresh",  # noqa: S107
        listing_model: str = "inventory_api",
        quotas: dict[str, int] | None = None,
        token_seconds: int = 7200,
    ):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_tokens = {refresh_token}
        self.token_seconds = token_seconds
        self.access_tokens: dict[str, datetime] = {}
        self.orders: dict[str, dict] = {}
        self.completions: list[
            dict
        ] = []  # every accepted CompleteSale: {order_id, line_id, tracking, carrier}
        self.listing_model = listing_model  # how SKUs not added with add_listing were made
        self.listings: dict[str, dict] = {}  # sku -> {"model", "quantity"}
        self.rejected_skus: dict[str, str] = {}  # sku -> error message
        self.quotas = {**(quotas or {})}
        self._limiters: dict[str, FixedWindowLimiter] = {}
        self._seq = 0

    # --- test and demo helpers -------------------------------------------------------------------------
    def add_order(
        self,
        order_id: str | None = None,
        *,
        items: list[dict] | None = None,
        paid: bool = True,
        modified: datetime | None = None,
        buyer_name: str = "Jane Doe",
    ) -> dict:
        """An order; ``items``: [{"sku", "quantity", "price", "variation": bool}]."""
        with self.lock:
            self._seq += 1
            seq = self._seq
        order_id = order_id or f"{10 + seq % 89:02d}-{seq:05d}-{secrets.randbelow(10**5):05d}"
        modified = modified or (_now() - timedelta(minutes=30))
        items = items if items is not None else [{"sku": f"SKU-{seq % 7}", "quantity": 1, "price": "19.99"}]
        lines = []
        for n, item in enumerate(items, start=1):
            item_id, tx_id = f"1100{seq:06d}{n:02d}", f"{seq:08d}{n:03d}"
            lines.append(
                {
                    "item_id": item_id,
                    "transaction_id": tx_id,
                    "line_id": f"{item_id}-{tx_id}",
                    "sku": item.get("sku"),
                    "variation": bool(item.get("variation")),
                    "quantity": int(item.get("quantity", 1)),
                    "price": str(item.get("price", "10.00")),
                    "title": item.get("title", f"Simulated item {item.get('sku', '')}"),
                    "shipped": False,
                }
            )
        order = {
            "order_id": order_id,
            "status": "Completed" if paid else "Active",
            "checkout": "Complete" if paid else "Incomplete",
            "cancel_status": "NotApplicable",
            "created": modified - timedelta(minutes=5),
            "modified": modified,
            "paid_time": modified if paid else None,
            "shipped_time": None,
            "buyer_name": buyer_name,
            "lines": lines,
        }
        with self.lock:
            self.orders[order_id] = order
        return order

    def pay(self, order_id: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            order.update(
                status="Completed",
                checkout="Complete",
                paid_time=_now(),
                modified=_now() - timedelta(minutes=3),
            )

    def cancel(self, order_id: str, cancel_status: str = "CancelClosedWithRefund") -> None:
        with self.lock:
            order = self.orders[order_id]
            order.update(
                status="Cancelled", cancel_status=cancel_status, modified=_now() - timedelta(minutes=3)
            )

    def add_listing(self, sku: str, model: str | None = None, quantity: int | None = None) -> None:
        with self.lock:
            self.listings[sku] = {"model": model or self.listing_model, "quantity": quantity}

    def expire_tokens(self) -> None:
        """Every access token handed out so far stops working (eBay's 2 h are over)."""
        with self.lock:
            self.access_tokens = {t: _now() - timedelta(seconds=1) for t in self.access_tokens}

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh_tokens = set()

    def set_quota(self, call: str, limit: int) -> None:
        with self.lock:
            self.quotas[call] = limit
            self._limiters.pop(call, None)

    def quantities(self) -> dict[str, int]:
        with self.lock:
            return {sku: v["quantity"] for sku, v in self.listings.items() if v["quantity"] is not None}

    # --- plumbing ---------------------------------------------------------------------------------------
    def _over_quota(self, call: str) -> bool:
        with self.lock:
            limiter = self._limiters.get(call)
            if limiter is None:
                limiter = self._limiters[call] = FixedWindowLimiter(
                    self.quotas.get(call, DEFAULT_QUOTA), 86400.0
                )
        return limiter.hit(call) is not None

    def _token_ok(self, token: str) -> bool:
        with self.lock:
            expires = self.access_tokens.get(token)
        return bool(expires and expires > _now())

    # --- OAuth ------------------------------------------------------------------------------------------
    @route("POST", r"/identity/v1/oauth2/token")
    def token(self, request: SimRequest):
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization", "") != f"Basic {expected}":
            return json_response(
                401, {"error": "invalid_client", "error_description": "client authentication failed"}
            )
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return json_response(400, {"error": "unsupported_grant_type", "error_description": "grant_type"})
        if form.get("refresh_token") not in self.refresh_tokens:
            return json_response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "the provided authorization refresh token is invalid or was issued "
                    "to another client",
                },
            )
        token = "v^1.1#i^1#sim" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = _now() + timedelta(seconds=self.token_seconds)
        # like eBay's KB 5075 sample: the refresh grant answers "N/A" for the refresh token (keep yours)
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "User Access Token",
                "expires_in": self.token_seconds,
                "refresh_token": "N/A",
            },
        )

    # --- Trading ----------------------------------------------------------------------------------------
    @route("POST", r"/ws/api\.dll")
    def trading(self, request: SimRequest):
        call = request.headers.get("x-ebay-api-call-name", "")
        if not request.headers.get("x-ebay-api-siteid") or not request.headers.get(
            "x-ebay-api-compatibility-level"
        ):
            return _xml(
                _answer(call or "Unknown", "Failure", [{"code": "10012", "short": "Invalid headers."}])
            )
        if not self._token_ok(request.headers.get("x-ebay-api-iaf-token", "")):
            return _xml(
                _answer(
                    call,
                    "Failure",
                    [
                        {
                            "code": "931",
                            "short": "Auth token is invalid.",
                            "long": "Validation of the authentication token in API request failed.",
                        }
                    ],
                )
            )
        if self._over_quota(call):
            return _xml(
                _answer(
                    call,
                    "Failure",
                    [
                        {
                            "code": "518",
                            "short": "Call usage limit has been reached.",
                            "long": "Your application has exceeded usage limit on this call.",
                        }
                    ],
                )
            )
        try:
            body = parse_xml(request.body)
        except ValueError:
            return _xml(_answer(call, "Failure", [{"code": "5", "short": "XML Parse error."}]))
        handler = {
            "GetOrders": self._get_orders,
            "CompleteSale": self._complete_sale,
            "ReviseInventoryStatus": self._revise_inventory_status,
            "GeteBayOfficialTime": lambda b: _xml(_answer("GeteBayOfficialTime")),
        }.get(call)
        if handler is None or body.tag != f"{call}Request":
            return _xml(
                _answer(call or "Unknown", "Failure", [{"code": "2", "short": "Unsupported API call."}])
            )
        return handler(body)

    def _order_element(self, parent, order: dict):
        el = _add(parent, "Order")
        _add(el, "OrderID", order["order_id"])
        _add(el, "OrderStatus", order["status"])
        total = sum(float(li["price"]) * li["quantity"] for li in order["lines"])
        _add(el, "AmountPaid", f"{total:.2f}" if order["paid_time"] else "0.0", currencyID="USD")
        checkout = _add(el, "CheckoutStatus")
        _add(checkout, "eBayPaymentStatus", "NoPaymentFailure")
        _add(checkout, "LastModifiedTime", _iso(order["modified"]))
        _add(checkout, "Status", order["checkout"])
        _add(el, "CreatedTime", _iso(order["created"]))
        address = _add(el, "ShippingAddress")
        for tag, value in (
            ("Name", order["buyer_name"]),
            ("Street1", "1 Simulated St"),
            ("Street2", ""),
            ("CityName", "San Jose"),
            ("StateOrProvince", "CA"),
            ("Country", "US"),
            ("CountryName", "United States"),
            ("Phone", "5550000000"),
            ("PostalCode", "95125"),
        ):
            _add(address, tag, value)
        _add(el, "Subtotal", f"{total:.2f}", currencyID="USD")
        _add(el, "Total", f"{total:.2f}", currencyID="USD")
        txs = _add(el, "TransactionArray")
        for li in order["lines"]:
            tx = _add(txs, "Transaction")
            buyer = _add(tx, "Buyer")
            _add(buyer, "Email", f"buyer-{order['order_id']}@example.com")
            item = _add(tx, "Item")
            _add(item, "ItemID", li["item_id"])
            _add(item, "Site", "US")
            _add(item, "Title", li["title"])
            if li["sku"] is not None and not li["variation"]:
                _add(item, "SKU", li["sku"])
            _add(tx, "QuantityPurchased", li["quantity"])
            _add(tx, "TransactionID", li["transaction_id"])
            _add(tx, "TransactionPrice", li["price"], currencyID="USD")
            _add(tx, "TransactionSiteID", "US")
            if li["variation"]:
                variation = _add(tx, "Variation")
                _add(variation, "SKU", li["sku"])
                _add(variation, "VariationTitle", li["title"])
            _add(tx, "OrderLineItemID", li["line_id"])
        if order["paid_time"]:
            _add(el, "PaidTime", _iso(order["paid_time"]))
        if order["shipped_time"]:
            _add(el, "ShippedTime", _iso(order["shipped_time"]))
        _add(el, "CancelStatus", order["cancel_status"])

    def _get_orders(self, body):
        mod_from, mod_to = _parse(text(body, "ModTimeFrom")), _parse(text(body, "ModTimeTo"))
        if mod_from is None or mod_to is None or mod_from >= mod_to:
            return _xml(
                _answer("GetOrders", "Failure", [{"code": "10007", "short": "Invalid ModTime range."}])
            )
        if mod_from < _now() - MAX_LOOKBACK:
            return _xml(
                _answer(
                    "GetOrders",
                    "Failure",
                    [
                        {
                            "code": "21916859",
                            "short": "ModTimeFrom is older than 90 days.",
                            "params": {"0": "ModTimeFrom"},
                        }
                    ],
                )
            )
        try:
            per_page = int(text(body, "Pagination/EntriesPerPage", "25"))
            page = int(text(body, "Pagination/PageNumber", "1"))
        except ValueError:
            per_page, page = 0, 0
        if not 1 <= per_page <= 100 or page < 1:
            return _xml(_answer("GetOrders", "Failure", [{"code": "37", "short": "Input data is invalid."}]))
        with self.lock:
            matching = sorted(
                (o for o in self.orders.values() if mod_from <= o["modified"] <= mod_to),
                key=lambda o: (o["modified"], o["order_id"]),
            )
            chunk = matching[(page - 1) * per_page : page * per_page]
            pages = max(1, -(-len(matching) // per_page))
            root = _answer("GetOrders")
            result = ET.Element("PaginationResult")
            _add(result, "TotalNumberOfPages", pages)
            _add(result, "TotalNumberOfEntries", len(matching))
            root.insert(2, result)
            _add(root, "HasMoreOrders", "true" if page < pages else "false")
            array = _add(root, "OrderArray")
            for order in chunk:
                self._order_element(array, order)
        _add(root, "OrdersPerPage", per_page)
        _add(root, "PageNumber", page)
        _add(root, "ReturnedOrderCountActual", len(chunk))
        return _xml(root)

    def _complete_sale(self, body):
        order_id, line_id = text(body, "OrderID"), text(body, "OrderLineItemID")
        tracking = text(body, "Shipment/ShipmentTrackingDetails/ShipmentTrackingNumber")
        carrier = text(body, "Shipment/ShipmentTrackingDetails/ShippingCarrierUsed")
        shipped = _parse(text(body, "Shipment/ShippedTime"))

        def fail(code, short):
            return _xml(_answer("CompleteSale", "Failure", [{"code": code, "short": short}]))

        with self.lock:
            order = self.orders.get(order_id) or next(
                (o for o in self.orders.values() if any(li["line_id"] == line_id for li in o["lines"])), None
            )
            if order is None or (not order_id and not line_id):
                return fail("21916289", "The order or line was not found.")
            if order["status"] == "Cancelled":
                return fail("21916288", "The order is cancelled.")
            if not tracking or not carrier:
                return fail("21916287", "ShipmentTrackingNumber and ShippingCarrierUsed are required.")
            if shipped is None or shipped > _now() + timedelta(days=3):
                return fail("21916290", "ShippedTime may be at most 3 days in the future.")
            lines = order["lines"] if order_id else [li for li in order["lines"] if li["line_id"] == line_id]
            for li in lines:
                li["shipped"] = True
                self.completions.append(
                    {
                        "order_id": order["order_id"],
                        "line_id": li["line_id"],
                        "tracking": tracking,
                        "carrier": carrier,
                    }
                )
            if all(li["shipped"] for li in order["lines"]):
                order["shipped_time"] = shipped
            order["modified"] = _now()
        return _xml(_answer("CompleteSale"))

    def _listing(self, sku: str) -> dict:
        return self.listings.setdefault(sku, {"model": self.listing_model, "quantity": None})

    def _revise_inventory_status(self, body):
        statuses = body.findall("InventoryStatus")
        if not 1 <= len(statuses) <= 4:
            return _xml(
                _answer(
                    "ReviseInventoryStatus",
                    "Failure",
                    [{"code": "21919171", "short": "1 to 4 InventoryStatus allowed."}],
                )
            )
        root_errors, done = [], []
        with self.lock:
            for status in statuses:
                sku, qty = text(status, "SKU"), text(status, "Quantity")
                listing = self._listing(sku)
                if sku in self.rejected_skus:
                    root_errors.append(
                        {"code": "21916293", "short": self.rejected_skus[sku], "params": {"SKU": sku}}
                    )
                elif listing["model"] != "trading":
                    root_errors.append(
                        {
                            "code": "21919474",
                            "short": "Listing managed by the Inventory API.",
                            "long": "This listing was created or migrated with the Inventory API: revise it with "
                            "the Inventory API.",
                            "params": {"SKU": sku},
                        }
                    )
                else:
                    listing["quantity"] = int(qty)
                    done.append((sku, qty))
        root = _answer("ReviseInventoryStatus", "Failure" if root_errors else "Success", root_errors)
        for sku, qty in done:
            inv = _add(root, "InventoryStatus")
            _add(inv, "SKU", sku)
            _add(inv, "ItemID", "110000000000")
            _add(inv, "Quantity", qty)
        return _xml(root)

    # --- REST -------------------------------------------------------------------------------------------
    def _bearer_ok(self, request: SimRequest) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and self._token_ok(auth[7:])

    @route("POST", r"/sell/inventory/v1/bulk_update_price_quantity")
    def bulk_update_price_quantity(self, request: SimRequest):
        if not self._bearer_ok(request):
            return json_response(401, {"errors": [{"errorId": 1001, "message": "Invalid access token"}]})
        if self._over_quota("bulkUpdatePriceQuantity"):
            return json_response(429, {"errors": [{"errorId": 2001, "message": "Too many requests"}]})
        try:
            entries = request.json()["requests"]
        except (ValueError, KeyError, TypeError):
            entries = None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            return json_response(
                400, {"errors": [{"errorId": 25709, "message": "1 to 25 requests allowed."}]}
            )
        responses, failed = [], 0
        with self.lock:
            for entry in entries:
                sku = str(entry.get("sku", ""))
                qty = (entry.get("shipToLocationAvailability") or {}).get("quantity")
                listing = self._listing(sku)
                if sku in self.rejected_skus:
                    errors = [{"errorId": 25001, "message": self.rejected_skus[sku]}]
                elif listing["model"] != "inventory_api":
                    errors = [{"errorId": 25702, "message": f"SKU {sku} is not available in the system"}]
                elif not isinstance(qty, int) or qty < 0:
                    errors = [{"errorId": 25709, "message": "Invalid value for quantity"}]
                else:
                    listing["quantity"] = qty
                    errors = []
                failed += bool(errors)
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 404
                        if errors and errors[0]["errorId"] == 25702
                        else (400 if errors else 200),
                        "errors": errors,
                        "warnings": [],
                    }
                )
        status = 200 if not failed else (400 if failed == len(entries) else 207)
        return json_response(status, {"responses": responses})

    @route("GET", r"/developer/analytics/v1_beta/user_rate_limit/")
    def user_rate_limits(self, request: SimRequest):
        if not self._bearer_ok(request):
            return json_response(401, {"errors": [{"errorId": 1001, "message": "Invalid access token"}]})
        resources = []
        for call in ("GetOrders", "CompleteSale", "ReviseInventoryStatus"):
            limit = self.quotas.get(call, DEFAULT_QUOTA)
            with self.lock:
                limiter = self._limiters.get(call)
            used = 0 if limiter is None else limit - limiter.remaining(call)
            resources.append(
                {
                    "name": call,
                    "rates": [
                        {"count": used, "limit": limit, "remaining": limit - used, "timeWindow": 86400}
                    ],
                }
            )
        return json_response(
            200,
            {"rateLimits": [{"apiContext": "TradingAPI", "apiName": "TradingAPI", "resources": resources}]},
        )


def demo_simulator() -> EbaySimulator:
    """For ``manage.py run_simulators``: an eBay host with a few paid orders (Zoho demo SKUs) and one unpaid."""
    sim = EbaySimulator()
    for n in range(6):
        sim.add_order(
            items=[{"sku": f"SKU-{n % 3:06d}", "quantity": 1, "price": "31.50", "variation": n % 2 == 1}]
        )
    sim.add_order(items=[{"sku": "SKU-000001", "quantity": 1}], paid=False)
    return sim
