"""The Shopify GraphQL client against the simulator: token, the order query, throttling, errors."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from integration_server.models import OutboundJob
from integration_server.simulators import serve_in_thread
from logistics.models import PresaleRule, ShopifyShop
from logistics.shopify.client import OrderNotFound, ShopifyClient, ShopifyConfigurationError
from logistics.shopify.services import retry_after_configuration_fix
from logistics.shopify.simulator import ShopifySimulator
from notifications.models import Notification
from tests.plugins.notifications import drain, post_shopify

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


def shop_for(sim, token=None, rule="sku_prefix"):
    return ShopifyShop(
        name="s",
        shop_domain="s.myshopify.com",
        api_base_url=sim.base_url,
        admin_api_token=token or sim.access_token,
        presale_rule=rule,
    )


def test_order_query_returns_what_the_emails_need(shopify_sim):
    shopify_sim.add_order(77, email="kim@example.com", lines=[("PRE-1", "One", 2, ["preorder"])])
    shopify_sim.fulfill(77, [("PRE-1", 1)], ["1ZQ1", "1ZQ2"])
    order = ShopifyClient(shop_for(shopify_sim, rule="product_tag")).fetch_order(77)
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


# --- issue 9 point 2: product tags only with a tag rule; a missing scope is a configuration error ---------
def test_sku_prefix_shop_does_not_ask_for_product_tags_and_needs_no_products_scope(shopify_sim):
    shopify_sim.add_order(78, lines=[("PRE-1", "One", 1)])
    shopify_sim.scopes.discard("read_products")
    try:
        order = ShopifyClient(shop_for(shopify_sim)).fetch_order(78)
        assert order["lineItems"]["nodes"][0]["sku"] == "PRE-1"
        [call] = shopify_sim.calls("POST")
        assert "product" not in json.loads(call.body)["query"]
        with pytest.raises(ShopifyConfigurationError, match="read_products"):
            ShopifyClient(shop_for(shopify_sim, rule="product_tag")).fetch_order(78)
    finally:
        shopify_sim.scopes.add("read_products")


@pytest.mark.django_db
@override_settings(ALLOWED_VENDOR_HOSTS_EXTRA=["127.0.0.1"])  # the shop's base URL is the simulator's
def test_missing_scope_is_shown_on_the_shop_and_the_job_runs_again_once_fixed(
    client, shop, shopify_sim, anymail_test_backend
):
    shop.presale_rule = PresaleRule.PRODUCT_TAG
    shop.presale_tags = "preorder"
    shop.save()
    shopify_sim.add_order(79, lines=[("T1", "T1", 1, ["preorder"])])
    payload = shopify_sim.fulfill(79, [("T1", 1)], ["1ZSCOPE01"])
    shopify_sim.scopes.discard("read_products")
    try:
        post_shopify(client, json.dumps(payload).encode(), webhook_id="scope-1")
        drain()
        job = OutboundJob.objects.get(kind="webhook.shopify")
        assert job.state == "failed" and "read_products" in job.last_error
        shop.refresh_from_db()
        assert "read_products" in shop.configuration_error
        admin_user = User.objects.create_superuser("ops", "ops@example.com", "pw")
        client.force_login(admin_user)
        page = client.get(f"/admin/logistics/shopifyshop/{shop.pk}/change/")
        assert b"read_products" in page.content and b"read_orders" in page.content
    finally:
        shopify_sim.scopes.add("read_products")
    # ops grant the scope in Shopify and save the shop: the failed job runs again and the email goes out
    url = f"/admin/logistics/shopifyshop/{shop.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("admin_api_token", "webhook_secret")
    }
    response = client.post(url, {**data, "enabled": "on"}, follow=True)
    assert "1 failed fulfillment job(s) will run again" in response.content.decode()
    assert retry_after_configuration_fix(shop) == 0  # nothing left failed
    drain()
    shop.refresh_from_db()
    assert shop.configuration_error == ""
    assert OutboundJob.objects.get(kind="webhook.shopify").state == "succeeded"
    assert Notification.objects.get().kind == "presale_shipped"
    assert len(anymail_test_backend) == 1


class _Answer:
    status_code = 200

    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


@pytest.mark.parametrize(
    "error",
    [
        {
            "message": "Field 'metafield' doesn't exist on type 'LineItem'",
            "extensions": {"code": "undefinedField"},
        },
        {"message": "Access denied for product field.", "extensions": {"code": "ACCESS_DENIED"}},
    ],
)
def test_missing_field_or_scope_is_a_configuration_error_other_errors_are_not(shopify_sim, error):
    client = ShopifyClient(shop_for(shopify_sim))
    with pytest.raises(ShopifyConfigurationError):
        client.raise_for_body(_Answer({"errors": [error]}))
    with pytest.raises(PermanentError) as other:
        client.raise_for_body(_Answer({"errors": [{"message": "Internal error"}]}))
    assert not isinstance(other.value, ShopifyConfigurationError)
