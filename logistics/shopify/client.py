"""Shopify Admin GraphQL API client: the order behind a fulfillment (reference/shopify.md)."""

from __future__ import annotations

from integration_server.http.client import ApiClient
from integration_server.http.errors import PermanentError, ThrottledError  # noqa: I001
from logistics.shopify import conf

# The app scopes the shop's Admin API token needs (named in the shop's admin page and the README).
REQUIRED_SCOPES = ("read_orders", "read_fulfillments")
TAG_RULE_SCOPES = ("read_products",)  # only when the pre-sale rule is a product tag
OLD_ORDER_SCOPES = ("read_all_orders",)  # optional: orders older than 60 days

_LINE_FIELDS = "id sku name quantity unfulfilledQuantity requiresShipping"

_ORDER_FIELDS = """
    id
    name
    email
    displayFulfillmentStatus
    customer { firstName lastName }
    shippingAddress { firstName lastName }
    lineItems(first: 250) {
      nodes { %(line_fields)s }
    }
    fulfillments(first: 250) {
      id
      name
      status
      createdAt
      trackingInfo { number company url }
      fulfillmentLineItems(first: 250) { nodes { quantity lineItem { id sku name } } }
    }
"""


def order_fields(*, with_product_tags: bool) -> str:
    line_fields = _LINE_FIELDS + (" product { tags }" if with_product_tags else "")
    return _ORDER_FIELDS % {"line_fields": line_fields}


def order_query(*, with_product_tags: bool) -> str:
    """The order behind a fulfillment. Product tags (scope ``read_products``) only for a tag rule."""
    return (
        "query OrderForShipmentEmails($id: ID!) {\n  order(id: $id) {"
        + order_fields(with_product_tags=with_product_tags)
        + "  }\n}"
    )


ORDER_QUERY = order_query(with_product_tags=False)


def required_scopes(shop) -> list[str]:
    from logistics.models import PresaleRule

    scopes = list(REQUIRED_SCOPES)
    if shop.presale_rule == PresaleRule.PRODUCT_TAG:
        scopes += TAG_RULE_SCOPES
    return scopes


class ShopifyConfigurationError(PermanentError):
    """The shop's app cannot read what we ask (a missing access scope, a field unknown to the API version):
    ops must fix the app or the shop's settings; the job is retried once the shop is saved."""


_CONFIG_CODES = {"ACCESS_DENIED", "undefinedField", "FIELD_NOT_FOUND"}
_CONFIG_WORDS = ("access scope", "access denied", "doesn't exist on type", "does not exist on type")


RECENTLY_FULFILLED_QUERY = """
query RecentlyFulfilledOrders($query: String!, $after: String) {
  orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt fulfillments(first: 50) { id trackingInfo { number } } }
  }
}
""".strip()

WEBHOOK_TOPICS = {"fulfillments/create": "FULFILLMENTS_CREATE", "fulfillments/update": "FULFILLMENTS_UPDATE"}

WEBHOOK_SUBSCRIPTIONS_QUERY = """
query OurWebhookSubscriptions($topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 100, topics: $topics) { nodes { id topic uri } }
}
""".strip()

WEBHOOK_SUBSCRIBE_MUTATION = """
mutation SubscribeWebhook($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
""".strip()


class OrderNotFound(PermanentError):
    """The order is not visible: deleted, or older than 60 days without read_all_orders."""


API_HOSTS = (".myshopify.com",)  # shop domains and base-URL overrides (integration_server.vendor_hosts)


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
            if codes & _CONFIG_CODES or any(word in reason.lower() for word in _CONFIG_WORDS):
                raise ShopifyConfigurationError(f"app not allowed to read this: {reason}", vendor=self.vendor)
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
        query = order_query(with_product_tags=self.shop.presale_rule == "product_tag")
        data = self.graphql(query, {"id": f"gid://shopify/Order/{order_id}"})
        order = data.get("order")
        if not order:
            raise OrderNotFound(f"order {order_id} not found", vendor=self.vendor)
        return order

    def recently_fulfilled_orders(self, since, max_pages: int = 20):
        """Orders updated since ``since`` that are shipped or partly shipped: their fulfillments' ids and
        tracking numbers (cheap; the full order is read only for what was missed). Yields pages."""
        search = (
            f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}' "
            "AND (fulfillment_status:shipped OR fulfillment_status:partial)"
        )
        after = None
        for _ in range(max_pages):
            data = self.graphql(RECENTLY_FULFILLED_QUERY, {"query": search, "after": after})
            orders = data.get("orders") or {}
            yield orders.get("nodes") or []
            info = orders.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")

    def webhook_subscriptions(self) -> list[dict]:
        data = self.graphql(WEBHOOK_SUBSCRIPTIONS_QUERY, {"topics": list(WEBHOOK_TOPICS.values())})
        return (data.get("webhookSubscriptions") or {}).get("nodes") or []

    def subscribe_webhook(self, topic: str, uri: str) -> str:
        data = self.graphql(WEBHOOK_SUBSCRIBE_MUTATION, {"topic": topic, "uri": uri})
        result = data.get("webhookSubscriptionCreate") or {}
        errors = result.get("userErrors") or []
        if errors:
            reason = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))[:300]
            raise PermanentError(f"webhook subscription refused: {reason}", vendor=self.vendor)
        return str((result.get("webhookSubscription") or {}).get("id") or "")
