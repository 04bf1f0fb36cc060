"""The Shopify GraphQL client against the simulator: token, the order query, throttling, errors."""

from __future__ import annotations

import pytest

from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from integration_server.simulators import serve_in_thread
from logistics.models import ShopifyShop
from logistics.shopify.client import OrderNotFound, ShopifyClient
from logistics.simulators.shopify import ShopifySimulator
from tests.notifications.support import *  # noqa: F403


def shop_for(sim, token=None):
    return ShopifyShop(
        name="s",
        shop_domain="s.myshopify.com",
        api_base_url=sim.base_url,
        admin_api_token=token or sim.access_token,
    )


def test_order_query_returns_what_the_emails_need(shopify_sim):
    shopify_sim.add_order(77, email="kim@example.com", lines=[("PRE-1", "One", 2, ["preorder"])])
    shopify_sim.fulfill(77, [("PRE-1", 1)], ["1ZQ1", "1ZQ2"])
    order = ShopifyClient(shop_for(shopify_sim)).fetch_order(77)
    assert order["email"] == "kim@example.com" and order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    [line] = order["lineItems"]["nodes"]
    assert (line["sku"], line["unfulfilledQuantity"], line["product"]["tags"]) == ("PRE-1", 1, ["preorder"])
    assert [t["number"] for t in order["fulfillments"][0]["trackingInfo"]] == ["1ZQ1", "1ZQ2"]
    [call] = shopify_sim.calls("POST")
    assert call.headers["x-shopify-access-token"] == shopify_sim.access_token


def test_unknown_order_and_bad_token(shopify_sim):
    with pytest.raises(OrderNotFound):
        ShopifyClient(shop_for(shopify_sim)).fetch_order(404)
    with pytest.raises(AuthenticationError):
        ShopifyClient(shop_for(shopify_sim, token="bad")).fetch_order(1)


@pytest.mark.django_db  # a throttled answer pushes the shared pacing bucket back
def test_graphql_errors_are_failures_and_429_is_throttling():
    sim = ShopifySimulator(requests_per_second=2)
    sim.add_order(1, lines=[("A", "A", 1)])
    server = serve_in_thread(sim)
    try:
        client = ShopifyClient(shop_for(sim))
        with pytest.raises(PermanentError, match="only the order query"):
            client.graphql("query { shop { name } }", {})
        with pytest.raises(ThrottledError):
            for _ in range(3):
                client.fetch_order(1)
    finally:
        server.shutdown()
