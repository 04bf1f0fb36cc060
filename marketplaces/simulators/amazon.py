"""Amazon SP-API simulator: Login with Amazon tokens, Orders 2026-01-01 searchOrders, Orders v0
confirmShipment, Listings Items patchListingsItem, and the Feeds API (createFeedDocument, pre-signed upload,
createFeed, getFeed, getFeedDocument) with JSON_LISTINGS_FEED processing.

Built from reference/amazon.md and the official sandbox fixtures: access tokens checked on every call
(``x-amz-access-token``), ``maxResultsPerPage`` / ``paginationToken`` paging, ``lastUpdatedBefore`` at least
2 minutes in the past, 429 past each operation's budget (no Retry-After, ``x-amzn-RateLimit-Limit`` sent),
``errors[{code, message}]`` on bad input. State is in memory.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route

# operation -> (documented rate in requests per second, calls allowed per window, window seconds)
DEFAULT_LIMITS = {
    "searchOrders": ("0.0056", 20, 60.0),
    "confirmShipment": ("2.0", 10, 1.0),
    "patchListingsItem": ("5.0", 5, 1.0),
    "createFeedDocument": ("0.5", 15, 1.0),
    "createFeed": ("0.0083", 15, 60.0),
    "getFeed": ("2.0", 15, 1.0),
    "getFeedDocument": ("0.0222", 10, 1.0),
}
ORDER_STATUSES = {
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _errors(status: int, code: str, message: str, headers: dict | None = None):
    return json_response(status, {"errors": [{"code": code, "message": message}]}, headers)


class AmazonSimulator(Simulator):
    name = "amazon"

    def __init__(
        self,
        *,
        client_id: str = "sim-lwa-client",
        client_secret: str = "sim-lwa-secret",  # noqa: S107 - the simulator's own demo value
        refresh_token: str = "Atzr|sim-refresh-token",  # noqa: S107
        seller_id: str = "A1SIMSELLER",
        limits: dict | None = None,
        feed_processing_seconds: float = 0.0,
    ):
        super().__init__()
        # like Amazon, a feed can stay IN_PROGRESS for a while: its patches apply when processing ends
        self.feed_processing_seconds = feed_processing_seconds
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_tokens = {refresh_token}
        self.seller_id = seller_id
        self.access_tokens: dict[str, datetime] = {}
        self.orders: dict[str, dict] = {}
        self.confirmations: dict[str, list[dict]] = {}
        self.listings: dict[str, dict] = {}  # sku -> {"productType", "quantity"}
        self.documents: dict[str, dict] = {}
        self.feeds: dict[str, dict] = {}
        self.rejected_skus: dict[str, str] = {}  # sku -> error message a listing patch / feed reports
        self._page_tokens: dict[str, tuple[list[str], int, int]] = {}
        self._feed_due: dict[str, datetime] = {}  # feed id -> when its processing ends
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self._limiters = {op: FixedWindowLimiter(n, window) for op, (_, n, window) in self.limits.items()}
        self._seq = 0

    # --- test and demo helpers ---------------------------------------------------------------------------
    def add_order(
        self,
        order_id: str | None = None,
        *,
        items: list[dict] | None = None,
        status: str = "UNSHIPPED",
        updated: datetime | None = None,
        created: datetime | None = None,
        marketplace_id: str = "ATVPDKIKX0DER",
        fulfilled_by: str = "MERCHANT",
        buyer_name: str = "Jane Doe",
    ) -> dict:
        """An order in the searchOrders 2026-01-01 shape. ``items``: [{"sku", "quantity", "price"}]."""
        with self.lock:
            self._seq += 1
            seq = self._seq
        order_id = order_id or f"113-{seq:07d}-{secrets.randbelow(10**7):07d}"
        updated = updated or (_now() - timedelta(minutes=30))
        created = created or (updated - timedelta(minutes=5))
        items = items if items is not None else [{"sku": f"SKU-{seq % 7}", "quantity": 1, "price": "19.99"}]
        order_items = []
        total = 0
        for n, item in enumerate(items, start=1):
            price = item.get("price", "10.00")
            total += float(price) * int(item.get("quantity", 1))
            product = {
                "asin": f"B0SIM{seq:05d}{n}",
                "title": item.get("title", f"Simulated product {item.get('sku', '')}"),
                "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                "price": {"unitPrice": {"amount": str(price), "currencyCode": "USD"}},
            }
            if item.get("sku") is not None:
                product["sellerSku"] = item["sku"]
            order_items.append(
                {
                    "orderItemId": item.get("order_item_id", f"{seq:08d}{n:04d}"),
                    "quantityOrdered": int(item.get("quantity", 1)),
                    "product": product,
                    "fulfillment": {
                        "quantityFulfilled": 0,
                        "quantityUnfulfilled": int(item.get("quantity", 1)),
                    },
                }
            )
        record = {
            "orderId": order_id,
            "createdTime": _iso(created),
            "lastUpdatedTime": _iso(updated),
            "programs": [],
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": marketplace_id,
                "marketplaceName": "Amazon.com",
            },
            "buyer": {"buyerName": buyer_name, "buyerEmail": f"{order_id}@marketplace.amazon.com"},
            "recipient": {
                "deliveryAddress": {
                    "name": buyer_name,
                    "addressLine1": "2201 Westlake Ave",
                    "city": "Seattle",
                    "stateOrRegion": "WA",
                    "postalCode": "98121",
                    "countryCode": "US",
                    "phone": "+1 206-555-0100",
                    "addressType": "RESIDENTIAL",
                }
            },
            "proceeds": {"grandTotal": {"amount": f"{total:.2f}", "currencyCode": "USD"}},
            "fulfillment": {
                "fulfillmentStatus": status,
                "fulfilledBy": fulfilled_by,
                "fulfillmentServiceLevel": "STANDARD",
            },
            "orderItems": order_items,
        }
        with self.lock:
            self.orders[order_id] = record
        return record

    def set_status(self, order_id: str, status: str, updated: datetime | None = None) -> None:
        with self.lock:
            record = self.orders[order_id]
            record["fulfillment"]["fulfillmentStatus"] = status
            record["lastUpdatedTime"] = _iso(updated or (_now() - timedelta(minutes=5)))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is refused from now on (403, as Amazon answers a token it no
        longer accepts), though the caller may still think it valid for the rest of its hour."""
        with self.lock:
            self.access_tokens.clear()

    def reset_limits(self, limits: dict | None = None) -> None:
        """Every operation's budget full again (time has passed), optionally with other limits."""
        self.limits = {**self.limits, **(limits or {})}
        self._limiters = {op: FixedWindowLimiter(n, window) for op, (_, n, window) in self.limits.items()}

    # --- plumbing -----------------------------------------------------------------------------------------
    def _limited(self, operation: str, request: SimRequest):
        rate = self.limits[operation][0]
        wait = self._limiters[operation].hit(request.headers.get("x-amz-access-token", "anon") + operation)
        if wait is not None:
            return _errors(
                429,
                "QuotaExceeded",
                "You exceeded your quota for the requested resource.",
                {"x-amzn-RateLimit-Limit": rate},
            )
        return None

    def _authorized(self, request: SimRequest):
        token = request.headers.get("x-amz-access-token", "")
        with self.lock:
            expires = self.access_tokens.get(token)
        if not expires or expires < _now():
            return _errors(403, "Unauthorized", "Access to requested resource is denied.")
        return None

    def _guard(self, operation: str, request: SimRequest):
        return self._authorized(request) or self._limited(operation, request)

    def _headers(self, operation: str) -> dict:
        return {"x-amzn-RateLimit-Limit": self.limits[operation][0], "x-amzn-RequestId": str(uuid.uuid4())}

    # --- Login with Amazon ------------------------------------------------------------------------------
    @route("POST", r"/auth/o2/token")
    def token(self, request: SimRequest):
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return json_response(400, {"error": "unsupported_grant_type", "error_description": "grant_type"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_response(
                401, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        if form.get("refresh_token") not in self.refresh_tokens:
            return json_response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                },
            )
        token = "Atza|" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = _now() + timedelta(seconds=3600)
        return json_response(
            200,
            {
                "access_token": token,
                "refresh_token": form["refresh_token"],
                "token_type": "bearer",
                "expires_in": 3600,
            },
        )

    # --- Orders 2026-01-01 -------------------------------------------------------------------------------
    @route("GET", r"/orders/2026-01-01/orders")
    def search_orders(self, request: SimRequest):
        denied = self._guard("searchOrders", request)
        if denied:
            return denied
        headers = self._headers("searchOrders")
        token = request.arg("paginationToken")
        if token:
            with self.lock:
                entry = self._page_tokens.get(token)
            if not entry:
                return _errors(400, "InvalidInput", "Invalid paginationToken.", headers)
            ids, offset, size = entry
        else:
            marketplace_ids = [m for m in (request.arg("marketplaceIds") or "").split(",") if m]
            if not marketplace_ids:
                return _errors(400, "InvalidInput", "marketplaceIds is required.", headers)
            created_after, updated_after = request.arg("createdAfter"), request.arg("lastUpdatedAfter")
            if bool(created_after) == bool(updated_after):
                return _errors(
                    400,
                    "InvalidInput",
                    "Exactly one of createdAfter and lastUpdatedAfter is required.",
                    headers,
                )
            after = _parse(created_after or updated_after)
            if after is None:
                return _errors(400, "InvalidInput", "Invalid date.", headers)
            field = "createdTime" if created_after else "lastUpdatedTime"
            before_arg = request.arg("lastUpdatedBefore" if updated_after else "createdBefore")
            latest = _now() - timedelta(minutes=2)
            before = _parse(before_arg) if before_arg else latest
            if before is None or before > latest:
                return _errors(
                    400, "InvalidInput", "The before date must be at least 2 minutes before now.", headers
                )
            try:
                size = int(request.arg("maxResultsPerPage", "100"))
            except ValueError:
                size = 0
            if not 1 <= size <= 100:
                return _errors(400, "InvalidInput", "maxResultsPerPage must be between 1 and 100.", headers)
            statuses = {s for s in (request.arg("fulfillmentStatuses") or "").split(",") if s}
            if statuses - ORDER_STATUSES:
                return _errors(400, "InvalidInput", "Invalid fulfillmentStatuses.", headers)
            fulfilled_by = request.arg("fulfilledBy")
            with self.lock:
                matching = [
                    o
                    for o in self.orders.values()
                    if o["salesChannel"]["marketplaceId"] in marketplace_ids
                    and after <= _parse(o[field]) < before
                    and (not statuses or o["fulfillment"]["fulfillmentStatus"] in statuses)
                    and (not fulfilled_by or o["fulfillment"]["fulfilledBy"] == fulfilled_by)
                ]
            matching.sort(key=lambda o: (o[field], o["orderId"]))
            ids, offset = [o["orderId"] for o in matching], 0
        page_ids = ids[offset : offset + size]
        included = set((request.arg("includedData") or "").split(","))
        with self.lock:
            orders = [self._shaped(self.orders[i], included) for i in page_ids if i in self.orders]
        body = {"orders": orders}
        if offset + size < len(ids):
            next_token = secrets.token_urlsafe(18)
            with self.lock:
                self._page_tokens[next_token] = (ids, offset + size, size)
            body["pagination"] = {"nextToken": next_token}
        return json_response(200, body, headers)

    @staticmethod
    def _shaped(order: dict, included: set[str]) -> dict:
        data = json.loads(json.dumps(order))
        if "RECIPIENT" not in included:
            data.pop("recipient", None)
        if "PACKAGES" not in included:
            data.pop("packages", None)
        return data

    # --- Orders v0 confirmShipment -----------------------------------------------------------------------
    @route("POST", r"/orders/v0/orders/([^/]+)/shipmentConfirmation")
    def confirm_shipment(self, request: SimRequest, order_id: str):
        denied = self._guard("confirmShipment", request)
        if denied:
            return denied
        headers = self._headers("confirmShipment")
        with self.lock:
            order = self.orders.get(order_id)
        if order is None:
            return _errors(404, "NotFound", "The order was not found.", headers)
        try:
            body = request.json()
            detail = body["packageDetail"]
            marketplace_id = body["marketplaceId"]
        except (ValueError, KeyError, TypeError):
            return _errors(400, "Invalid Input", "Invalid Input", headers)
        required = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
        if not isinstance(detail, dict) or any(not detail.get(k) for k in required):
            return _errors(400, "Invalid Input", "Invalid Input", headers)
        if detail["carrierCode"] == "Other" and not detail.get("carrierName"):
            return _errors(
                400, "Invalid Input", "carrierName is required when carrierCode is Other.", headers
            )
        if marketplace_id != order["salesChannel"]["marketplaceId"] or _parse(detail["shipDate"]) is None:
            return _errors(400, "Invalid Input", "Invalid Input", headers)
        items = {i["orderItemId"]: i for i in order["orderItems"]}
        for line in detail["orderItems"]:
            item = items.get(line.get("orderItemId"))
            if item is None or not 0 < int(line.get("quantity", 0)) <= item["quantityOrdered"]:
                return _errors(400, "Invalid Input", "Invalid orderItems.", headers)
        if order["fulfillment"]["fulfillmentStatus"] == "CANCELLED":
            return _errors(400, "Invalid Input", "The order is cancelled.", headers)
        with self.lock:
            packages = self.confirmations.setdefault(order_id, [])
            packages[:] = [p for p in packages if p["packageReferenceId"] != detail["packageReferenceId"]]
            packages.append(detail)
            shipped: dict[str, int] = {}
            for package in packages:
                for line in package["orderItems"]:
                    shipped[line["orderItemId"]] = shipped.get(line["orderItemId"], 0) + int(line["quantity"])
            done = all(shipped.get(i, 0) >= item["quantityOrdered"] for i, item in items.items())
            order["fulfillment"]["fulfillmentStatus"] = "SHIPPED" if done else "PARTIALLY_SHIPPED"
            order["lastUpdatedTime"] = _iso(_now())
            order["packages"] = [
                {
                    "packageReferenceId": p["packageReferenceId"],
                    "carrier": p.get("carrierName") or p["carrierCode"],
                    "trackingNumber": p["trackingNumber"],
                    "shipTime": p["shipDate"],
                    "packageItems": p["orderItems"],
                }
                for p in packages
            ]
        return 204, b"", headers

    # --- Listings Items 2021-08-01 -------------------------------------------------------------------------
    def _apply_patches(self, sku: str, product_type: str, patches) -> list[dict]:
        """Apply listing patches; returns issues (empty = accepted)."""
        if not product_type:
            return [{"code": "4000001", "message": "productType is required.", "severity": "ERROR"}]
        if not isinstance(patches, list) or not patches:
            return [{"code": "4000001", "message": "patches is required.", "severity": "ERROR"}]
        if sku in self.rejected_skus:
            return [{"code": "90220", "message": self.rejected_skus[sku], "severity": "ERROR"}]
        for patch in patches:
            if patch.get("op") not in ("add", "replace", "merge", "delete") or not str(
                patch.get("path", "")
            ).startswith("/attributes/"):
                return [{"code": "4000001", "message": "Invalid patch.", "severity": "ERROR"}]
        with self.lock:
            listing = self.listings.setdefault(sku, {"productType": product_type, "quantity": None})
            listing["productType"] = product_type
            for patch in patches:
                if patch["path"] == "/attributes/fulfillment_availability" and patch["op"] != "delete":
                    for entry in patch.get("value") or []:
                        if entry.get("fulfillment_channel_code") == "DEFAULT" and "quantity" in entry:
                            listing["quantity"] = int(entry["quantity"])
        return []

    @route("PATCH", r"/listings/2021-08-01/items/([^/]+)/([^/]+)")
    def patch_listings_item(self, request: SimRequest, seller_id: str, sku: str):
        from urllib.parse import unquote

        denied = self._guard("patchListingsItem", request)
        if denied:
            return denied
        headers = self._headers("patchListingsItem")
        sku = unquote(sku)
        if unquote(seller_id) != self.seller_id:
            return _errors(403, "Unauthorized", "Access to requested resource is denied.", headers)
        if not request.arg("marketplaceIds"):
            return _errors(400, "InvalidInput", "marketplaceIds is required.", headers)
        try:
            body = request.json()
        except ValueError:
            return _errors(400, "InvalidInput", "Invalid body.", headers)
        if not isinstance(body, dict):
            return _errors(400, "InvalidInput", "Invalid body.", headers)
        issues = self._apply_patches(sku, body.get("productType", ""), body.get("patches"))
        return json_response(
            200,
            {
                "sku": sku,
                "status": "INVALID" if issues else "ACCEPTED",
                "submissionId": uuid.uuid4().hex,
                "issues": issues,
            },
            headers,
        )

    # --- Feeds 2021-06-30 ------------------------------------------------------------------------------
    @route("POST", r"/feeds/2021-06-30/documents")
    def create_feed_document(self, request: SimRequest):
        denied = self._guard("createFeedDocument", request)
        if denied:
            return denied
        try:
            content_type = request.json()["contentType"]
        except (ValueError, KeyError, TypeError):
            return _errors(400, "InvalidInput", "contentType is required.")
        doc_id = str(uuid.uuid4())
        with self.lock:
            self.documents[doc_id] = {"contentType": content_type, "content": None}
        return json_response(
            201,
            {"feedDocumentId": doc_id, "url": f"{self.base_url}/sim-documents/{doc_id}"},
            self._headers("createFeedDocument"),
        )

    @route("PUT", r"/sim-documents/([^/]+)")
    def upload_document(self, request: SimRequest, doc_id: str):
        with self.lock:
            doc = self.documents.get(doc_id)
            if doc is None:
                return 403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"}
            doc["content"] = request.body
        return 200, b"", {"Content-Type": "text/plain"}

    @route("GET", r"/sim-documents/([^/]+)")
    def download_document(self, request: SimRequest, doc_id: str):
        with self.lock:
            doc = self.documents.get(doc_id)
        if doc is None or doc["content"] is None:
            return 404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"}
        return 200, doc["content"], {"Content-Type": doc["contentType"]}

    @route("POST", r"/feeds/2021-06-30/feeds")
    def create_feed(self, request: SimRequest):
        denied = self._guard("createFeed", request)
        if denied:
            return denied
        headers = self._headers("createFeed")
        try:
            body = request.json()
            feed_type, marketplace_ids, doc_id = (
                body["feedType"],
                body["marketplaceIds"],
                body["inputFeedDocumentId"],
            )
        except (ValueError, KeyError, TypeError):
            return _errors(
                400, "InvalidInput", "feedType, marketplaceIds and inputFeedDocumentId are required.", headers
            )
        if feed_type != "JSON_LISTINGS_FEED":
            return _errors(400, "InvalidInput", f"Unsupported feedType {feed_type}.", headers)
        with self.lock:
            doc = self.documents.get(doc_id)
        if not marketplace_ids or doc is None or doc["content"] is None:
            return _errors(400, "InvalidInput", "Invalid inputFeedDocumentId.", headers)
        with self.lock:
            feed_id = str(50000 + len(self.feeds) + 1)
            self.feeds[feed_id] = {
                "feedId": feed_id,
                "feedType": feed_type,
                "marketplaceIds": marketplace_ids,
                "createdTime": _iso(_now()),
                "processingStatus": "IN_PROGRESS",
                "processingStartTime": _iso(_now()),
                "inputFeedDocumentId": doc_id,
            }
            self._feed_due[feed_id] = _now() + timedelta(seconds=self.feed_processing_seconds)
        if not self.feed_processing_seconds:
            self.finish_feeds()
        return json_response(202, {"feedId": feed_id}, headers)

    def finish_feeds(self, *, force: bool = False) -> list[str]:
        """Process the feeds whose processing time is over (all of them with ``force``)."""
        with self.lock:
            due = [f for f, at in self._feed_due.items() if force or at <= _now()]
            for feed_id in due:
                del self._feed_due[feed_id]
        for feed_id in due:
            feed = self.feeds[feed_id]
            report_id = self._process_feed(feed_id, self.documents[feed["inputFeedDocumentId"]]["content"])
            with self.lock:
                feed.update(
                    processingStatus="DONE", processingEndTime=_iso(_now()), resultFeedDocumentId=report_id
                )
        return due

    def _process_feed(self, feed_id: str, content: bytes) -> str:
        issues, accepted, invalid = [], 0, 0
        try:
            feed = json.loads(content)
            messages = feed["messages"]
            seller = feed["header"]["sellerId"]
        except (ValueError, KeyError, TypeError):
            feed, messages, seller = {}, [], ""
            issues.append(
                {
                    "messageId": 0,
                    "code": "100001",
                    "severity": "ERROR",
                    "message": "The feed is not valid JSON_LISTINGS_FEED.",
                }
            )
        for message in messages:
            mid, sku = message.get("messageId"), message.get("sku", "")
            if seller != self.seller_id:
                found = [{"code": "100002", "message": "sellerId does not match.", "severity": "ERROR"}]
            elif message.get("operationType") != "PATCH":
                found = [{"code": "100003", "message": "Only PATCH is simulated.", "severity": "ERROR"}]
            else:
                found = self._apply_patches(sku, message.get("productType", ""), message.get("patches"))
            for issue in found:
                issues.append({"messageId": mid, "sku": sku, **issue})
            if found:
                invalid += 1
            else:
                accepted += 1
        report = {
            "header": {"sellerId": seller, "version": "2.0", "feedId": feed_id},
            "issues": issues,
            "summary": {
                "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
                "warnings": 0,
                "messagesProcessed": len(messages),
                "messagesAccepted": accepted,
                "messagesInvalid": invalid,
            },
        }
        report_id = str(uuid.uuid4())
        with self.lock:
            self.documents[report_id] = {
                "contentType": "application/json",
                "content": json.dumps(report).encode(),
            }
        return report_id

    @route("GET", r"/feeds/2021-06-30/feeds/([^/]+)")
    def get_feed(self, request: SimRequest, feed_id: str):
        denied = self._guard("getFeed", request)
        if denied:
            return denied
        self.finish_feeds()
        with self.lock:
            feed = self.feeds.get(feed_id)
            feed = dict(feed) if feed is not None else None
        if feed is None:
            return _errors(404, "NotFound", "The feed was not found.")
        return json_response(200, feed, self._headers("getFeed"))

    @route("GET", r"/feeds/2021-06-30/documents/([^/]+)")
    def get_feed_document(self, request: SimRequest, doc_id: str):
        denied = self._guard("getFeedDocument", request)
        if denied:
            return denied
        with self.lock:
            doc = self.documents.get(doc_id)
        if doc is None:
            return _errors(404, "NotFound", "The document was not found.")
        return json_response(
            200,
            {"feedDocumentId": doc_id, "url": f"{self.base_url}/sim-documents/{doc_id}"},
            self._headers("getFeedDocument"),
        )


def demo_simulator() -> AmazonSimulator:
    """For ``manage.py run_simulators``: an Amazon host with a few unshipped orders to pull."""
    sim = AmazonSimulator()
    for n in range(10):
        sim.add_order(
            items=[{"sku": f"SKU-{n % 3:06d}", "quantity": 1 + n % 2, "price": "24.90"}]
        )  # Zoho demo SKUs
    return sim
