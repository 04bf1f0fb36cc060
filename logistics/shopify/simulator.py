"""A Shopify stand-in: the Admin GraphQL ``order`` query our client sends, and a webhook sender that signs
deliveries like Shopify (HMAC-SHA256 of the raw body, base64, ``X-Shopify-*`` headers).

State in memory: orders by id in the GraphQL shape of logistics.shopify.client.ORDER_QUERY. Auth by
``X-Shopify-Access-Token``; over the rate limit it answers 429 with Retry-After.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import requests

from integration_server.simulators.base import FixedWindowLimiter, Simulator, json_response, route
from logistics.shopify.signature import webhook_hmac


class ShopifySimulator(Simulator):
    name = "shopify"

    def __init__(self, access_token: str = "shpat_sim_token", requests_per_second: int = 20):  # noqa: S107
        super().__init__()
        self.access_token = access_token
        self.orders: dict[str, dict] = {}
        self.limiter = FixedWindowLimiter(requests_per_second, 1.0)
        self._fulfillment_seq = 1000
        # The access scopes granted to the app; a query for a field outside them is refused like Shopify
        # does (ACCESS_DENIED naming the scope). Tests remove ``read_products`` to play a narrow app.
        self.scopes = {"read_orders", "read_fulfillments", "read_products"}
        self.webhooks: list[dict] = []  # webhookSubscriptionCreate results: {id, topic, uri}

    # --- scripting (tests, benchmarks, first run) ---------------------------------------------------------
    def add_order(
        self,
        order_id: int | str,
        *,
        email: str = "customer@example.com",
        name: str | None = None,
        first_name: str = "Alex",
        lines: list[tuple] = (),
    ) -> dict:
        """``lines``: (sku, title, quantity[, tags[, requires_shipping]])."""
        nodes = []
        for i, line in enumerate(lines):
            sku, title, quantity = line[0], line[1], line[2]
            tags = list(line[3]) if len(line) > 3 else []
            nodes.append(
                {
                    "id": f"gid://shopify/LineItem/{int(order_id) * 100 + i + 1}",
                    "sku": sku,
                    "name": title,
                    "quantity": quantity,
                    "unfulfilledQuantity": quantity,
                    "requiresShipping": line[4] if len(line) > 4 else True,
                    "product": {"tags": tags},
                }
            )
        order = {
            "id": f"gid://shopify/Order/{order_id}",
            "name": name or f"#{order_id}",
            "email": email,
            "displayFulfillmentStatus": "UNFULFILLED",
            "customer": {"firstName": first_name, "lastName": "Customer"},
            "shippingAddress": {"firstName": first_name, "lastName": "Customer"},
            "lineItems": {"nodes": nodes},
            "fulfillments": [],
            "updatedAt": datetime.now(UTC).isoformat(),
        }
        with self.lock:
            self.orders[str(order_id)] = order
        return order

    def fulfill(
        self,
        order_id: int | str,
        items: list[tuple[str, int]],
        tracking_numbers: list[str],
        *,
        company: str = "UPS",
        fulfillment_id: int | None = None,
    ) -> dict:
        """Ship ``items`` [(sku, qty)] of an order under ``tracking_numbers``; returns the webhook payload
        (REST shape, as Shopify sends for ``fulfillments/create``)."""
        with self.lock:
            order = self.orders[str(order_id)]
            self._fulfillment_seq += 1
            fulfillment_id = fulfillment_id or self._fulfillment_seq
            by_sku = {node["sku"]: node for node in order["lineItems"]["nodes"]}
            shipped_nodes = []
            for sku, qty in items:
                node = by_sku[sku]
                node["unfulfilledQuantity"] = max(0, node["unfulfilledQuantity"] - qty)
                shipped_nodes.append(
                    {"quantity": qty, "lineItem": {"id": node["id"], "sku": sku, "name": node["name"]}}
                )
            urls = [f"https://www.ups.com/track?tracknum={n}" for n in tracking_numbers]
            order["fulfillments"].append(
                {
                    "id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                    "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
                    "status": "SUCCESS",
                    "createdAt": datetime.now(UTC).isoformat(),
                    "trackingInfo": [
                        {"number": n, "company": company, "url": u}
                        for n, u in zip(tracking_numbers, urls, strict=True)
                    ],
                    "fulfillmentLineItems": {"nodes": shipped_nodes},
                }
            )
            remaining = sum(n["unfulfilledQuantity"] for n in order["lineItems"]["nodes"])
            order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED" if remaining else "FULFILLED"
            order["updatedAt"] = datetime.now(UTC).isoformat()
            return self._rest_fulfillment(order, order["fulfillments"][-1])

    def correct_tracking(self, order_id: int | str, fulfillment_id: int, tracking_numbers: list[str]) -> dict:
        """Replace the tracking numbers of a fulfillment (a typo fixed in the admin); returns the
        ``fulfillments/update`` payload."""
        with self.lock:
            order = self.orders[str(order_id)]
            gid = f"gid://shopify/Fulfillment/{fulfillment_id}"
            fulfillment = next(f for f in order["fulfillments"] if f["id"] == gid)
            company = (fulfillment["trackingInfo"] or [{}])[0].get("company") or "UPS"
            fulfillment["trackingInfo"] = [
                {"number": n, "company": company, "url": f"https://www.ups.com/track?tracknum={n}"}
                for n in tracking_numbers
            ]
            order["updatedAt"] = datetime.now(UTC).isoformat()
            return self._rest_fulfillment(order, fulfillment)

    @staticmethod
    def _rest_fulfillment(order: dict, fulfillment: dict) -> dict:
        """A fulfillment in the REST shape of the ``fulfillments/*`` webhooks."""
        fulfillment_id = int(fulfillment["id"].rsplit("/", 1)[-1])
        numbers = [t["number"] for t in fulfillment["trackingInfo"]]
        urls = [t["url"] for t in fulfillment["trackingInfo"]]
        company = (fulfillment["trackingInfo"] or [{}])[0].get("company")
        return {
            "id": fulfillment_id,
            "order_id": int(order["id"].rsplit("/", 1)[-1]),
            "status": "success",
            "created_at": fulfillment["createdAt"],
            "updated_at": datetime.now(UTC).isoformat(),
            "tracking_company": company,
            "shipment_status": None,
            "email": order["email"],
            "line_items": [
                {
                    "id": int(node["lineItem"]["id"].rsplit("/", 1)[-1]),
                    "sku": node["lineItem"]["sku"],
                    "name": node["lineItem"]["name"],
                    "title": node["lineItem"]["name"],
                    "quantity": node["quantity"],
                }
                for node in fulfillment["fulfillmentLineItems"]["nodes"]
            ],
            "tracking_number": numbers[0] if numbers else None,
            "tracking_numbers": numbers,
            "tracking_url": urls[0] if urls else None,
            "tracking_urls": urls,
            "name": fulfillment["name"],
            "admin_graphql_api_id": fulfillment["id"],
        }

    # --- the API --------------------------------------------------------------------------------------------
    @route("POST", r"/admin/api/([0-9]{4}-[0-9]{2}|unstable)/graphql\.json")
    def graphql(self, request, version):
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return json_response(
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        wait = self.limiter.hit(self.access_token)
        if wait is not None:
            return json_response(
                429, {"errors": "Exceeded rate limit"}, {"Retry-After": f"{max(wait, 0.1):.1f}"}
            )
        try:
            body = request.json()
            query, variables = body["query"], body.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return json_response(400, {"errors": [{"message": "Bad Request: query is required"}]})
        if re.search(r"\borders\s*\(", query):
            return json_response(200, {"data": {"orders": self._orders_page(variables)}})
        if "webhookSubscriptionCreate" in query:
            return json_response(200, {"data": {"webhookSubscriptionCreate": self._subscribe(variables)}})
        if "webhookSubscriptions" in query:
            with self.lock:
                hooks = [dict(h) for h in self.webhooks]
            return json_response(200, {"data": {"webhookSubscriptions": {"nodes": hooks}}})
        if not re.search(r"\border\s*\(\s*id:", query):
            return json_response(
                200,
                {
                    "errors": [
                        {
                            "message": "Simulator answers only the order query, the orders list and webhook subscriptions"
                        }
                    ]
                },
            )
        gid = str(variables.get("id") or "")
        match = re.fullmatch(r"gid://shopify/Order/(\d+)", gid)
        if not match:
            return json_response(
                200,
                {
                    "errors": [
                        {
                            "message": f"Invalid global id '{gid}'",
                            "extensions": {"code": "argumentLiteralsIncompatible"},
                        }
                    ]
                },
            )
        with self.lock:
            order = (
                json.loads(json.dumps(self.orders.get(match.group(1))))
                if match.group(1) in self.orders
                else None
            )
            scopes = set(self.scopes)
        wants_product = bool(re.search(r"\bproduct\s*\{", query))
        if wants_product and "read_products" not in scopes:
            return json_response(
                200,
                {
                    "data": {"order": None},
                    "errors": [
                        {
                            "message": "Access denied for product field. Required access: `read_products` access scope.",
                            "path": ["order", "lineItems", "nodes", 0, "product"],
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "documentation": "https://shopify.dev/api/usage/access-scopes",
                                "requiredAccess": "`read_products` access scope.",
                            },
                        }
                    ],
                },
            )
        if order and not wants_product:
            for node in order["lineItems"]["nodes"]:
                node.pop("product", None)
        return json_response(
            200, {"data": {"order": order}, "extensions": {"cost": {"requestedQueryCost": 12}}}
        )

    def _orders_page(self, variables: dict) -> dict:
        """``orders(query: "updated_at:>='...' AND (fulfillment_status:shipped OR ...partial)")``, 50 a page;
        the cursor is the offset."""
        match = re.search(r"updated_at:>='([^']+)'", str(variables.get("query") or ""))
        since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")) if match else None
        with self.lock:
            rows = [
                json.loads(json.dumps(o))
                for o in self.orders.values()
                if o["displayFulfillmentStatus"] in ("FULFILLED", "PARTIALLY_FULFILLED")
                and (since is None or datetime.fromisoformat(o["updatedAt"]) >= since)
            ]
        rows.sort(key=lambda o: o["updatedAt"])
        start = int(variables.get("after") or 0)
        page = rows[start : start + 50]
        nodes = [
            {
                "id": o["id"],
                "updatedAt": o["updatedAt"],
                "fulfillments": [
                    {"id": f["id"], "trackingInfo": [{"number": t["number"]} for t in f["trackingInfo"]]}
                    for f in o["fulfillments"]
                ],
            }
            for o in page
        ]
        more = start + 50 < len(rows)
        return {
            "pageInfo": {"hasNextPage": more, "endCursor": str(start + 50) if more else None},
            "nodes": nodes,
        }

    def _subscribe(self, variables: dict) -> dict:
        topic, uri = variables.get("topic"), variables.get("uri")
        if not str(uri or "").startswith("https://") and not str(uri or "").startswith("http://"):
            return {
                "webhookSubscription": None,
                "userErrors": [{"field": ["uri"], "message": "Address is invalid"}],
            }
        with self.lock:
            if any(h["topic"] == topic and h["uri"] == uri for h in self.webhooks):
                return {
                    "webhookSubscription": None,
                    "userErrors": [
                        {"field": ["uri"], "message": "Address for this topic has already been taken"}
                    ],
                }
            hook = {
                "id": f"gid://shopify/WebhookSubscription/{len(self.webhooks) + 1}",
                "topic": topic,
                "uri": uri,
            }
            self.webhooks.append(hook)
        return {"webhookSubscription": dict(hook), "userErrors": []}

    # --- webhooks out ---------------------------------------------------------------------------------------
    @staticmethod
    def signed_delivery(
        payload: dict | bytes, *, secret: str, shop_domain: str, topic: str, webhook_id: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
            "X-Shopify-Shop-Domain": shop_domain,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
        return body, headers

    def send_webhook(self, url: str, payload, *, secret: str, shop_domain: str, topic: str, webhook_id=None):
        body, headers = self.signed_delivery(
            payload, secret=secret, shop_domain=shop_domain, topic=topic, webhook_id=webhook_id
        )
        return requests.post(url, data=body, headers=headers, timeout=10)
