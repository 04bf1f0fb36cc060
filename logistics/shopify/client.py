"""Shopify Admin GraphQL API client: the order behind a fulfillment (reference/shopify.md)."""

from __future__ import annotations

from integration_server.http.client import ApiClient
from integration_server.http.errors import PermanentError, ThrottledError
from logistics.shopify import conf

ORDER_QUERY = """
query OrderForShipmentEmails($id: ID!) {
  order(id: $id) {
    id
    name
    email
    displayFulfillmentStatus
    customer { firstName lastName }
    shippingAddress { firstName lastName }
    lineItems(first: 250) {
      nodes { id sku name quantity unfulfilledQuantity requiresShipping product { tags } }
    }
    fulfillments(first: 250) {
      id
      name
      status
      createdAt
      trackingInfo { number company url }
      fulfillmentLineItems(first: 250) { nodes { quantity lineItem { id sku name } } }
    }
  }
}
""".strip()


class OrderNotFound(PermanentError):
    """The order is not visible: deleted, or older than 60 days without read_all_orders."""


class ShopifyClient(ApiClient):
    vendor = "shopify"

    def __init__(self, shop, **kwargs):
        self.shop = shop
        kwargs.setdefault("rate_key", f"shopify:{shop.shop_domain}")
        kwargs.setdefault("per_minute", conf.SHOPIFY_REQUESTS_PER_MINUTE)
        kwargs.setdefault("burst", 4)
        super().__init__(shop.api_base_url or f"https://{shop.shop_domain}", **kwargs)
        self.api_version = shop.api_version or conf.SHOPIFY_DEFAULT_API_VERSION

    def auth_headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self.shop.admin_api_token, "Content-Type": "application/json"}

    def raise_for_body(self, response) -> None:
        try:
            data = response.json()
        except ValueError as exc:
            raise PermanentError("answer is not JSON", vendor=self.vendor) from exc
        errors = data.get("errors") if isinstance(data, dict) else None
        if not errors:
            return
        if isinstance(errors, list):
            codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, dict)}
            if "THROTTLED" in codes:
                raise ThrottledError("GraphQL query throttled", wait_seconds=2.0, vendor=self.vendor)
            reason = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))[:300]
        else:
            reason = str(errors)[:300]
        raise PermanentError(f"GraphQL errors: {reason}", vendor=self.vendor)

    def graphql(self, query: str, variables: dict) -> dict:
        response = self.request(
            "POST",
            f"admin/api/{self.api_version}/graphql.json",
            json={"query": query, "variables": variables},
        )
        return response.json().get("data") or {}

    def fetch_order(self, order_id: str | int) -> dict:
        data = self.graphql(ORDER_QUERY, {"id": f"gid://shopify/Order/{order_id}"})
        order = data.get("order")
        if not order:
            raise OrderNotFound(f"order {order_id} not found", vendor=self.vendor)
        return order
