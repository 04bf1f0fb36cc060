"""Issue 8, point 3: an access token the vendor no longer accepts (401/403) is dropped, refreshed once and the
call retried once in the same attempt; the kernel does it for every client. Only a failed refresh (or a
refusal of the fresh token) is a credential error."""

from __future__ import annotations

import pytest
import responses

from integration_server.http.client import ApiClient
from integration_server.http.errors import AuthenticationError
from integration_server.models import OutboundJob
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, poll_shipstation
from marketplaces.clients.amazon import AmazonClient
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders
from tests.plugins.orders_flow import make_amazon_account


@pytest.fixture
def sim(ebay_sim):
    return ebay_sim


BASE = "https://api.vendor.test/v1"


class CachedTokenClient(ApiClient):
    """A vendor client with an OAuth token cache, as every OAuth client keeps one."""

    vendor = "vendor"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cached: str | None = "old-token"
        self.refreshes = 0
        self.from_cache = True

    def auth_headers(self):
        self.from_cache = self.cached is not None
        if self.cached is None:
            self.refreshes += 1
            self.cached = f"fresh-token-{self.refreshes}"
        return {"Authorization": f"Bearer {self.cached}"}

    def on_authentication_failed(self):
        self.cached = None
        return self.from_cache


class StaticKeyClient(ApiClient):
    vendor = "static"

    def auth_headers(self):
        return {"Authorization": "Basic a2V5OnNlY3JldA=="}


@responses.activate
@pytest.mark.parametrize("status", [401, 403])
def test_kernel_refreshes_a_refused_cached_token_once_and_retries_once(status):
    responses.get(f"{BASE}/items", status=status, json={"message": "token expired"})
    responses.get(f"{BASE}/items", status=200, json={"items": [1]})
    client = CachedTokenClient(BASE)

    assert client.get_json("/items") == {"items": [1]}

    assert client.refreshes == 1
    sent = [c.request.headers["Authorization"] for c in responses.calls]
    assert sent == ["Bearer old-token", "Bearer fresh-token-1"]


@responses.activate
def test_a_refused_fresh_token_is_a_credential_error_after_one_retry():
    responses.get(f"{BASE}/items", status=403, json={"message": "denied"})
    client = CachedTokenClient(BASE)

    with pytest.raises(AuthenticationError):
        client.get_json("/items")

    assert len(responses.calls) == 2 and client.refreshes == 1


@responses.activate
def test_static_credentials_are_not_retried():
    responses.get(f"{BASE}/items", status=401, json={"message": "bad key"})

    with pytest.raises(AuthenticationError):
        StaticKeyClient(BASE).get_json("/items")

    assert len(responses.calls) == 1


@pytest.mark.django_db
def test_amazon_403_on_a_stale_token_does_not_fail_the_tracking_push(
    flow, django_capture_on_commit_callbacks
):
    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000301", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)  # the LWA token is now cached for the hour
    ss.ship_order("amazon:113-0000000-0000301", notify=False)
    amz.expire_access_tokens()  # Amazon no longer accepts it

    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()

    job = OutboundJob.objects.get(kind=PUSH_TRACKING_KIND)
    assert (job.state, job.attempts, job.retries_used) == ("succeeded", 1, 0)
    assert len(amz.confirmations["113-0000000-0000301"]) == 1
    assert len(amz.calls("POST", "/auth/o2/token")) == 2
    assert Order.objects.get(marketplace_order_id="113-0000000-0000301").state == Order.State.SHIPPED


@pytest.mark.django_db
def test_amazon_failed_refresh_is_the_credential_error(amazon_sim):
    account = make_amazon_account(amazon_sim)  # noqa: F405
    client = AmazonClient(account)
    client.search_orders(
        {
            "marketplaceIds": "ATVPDKIKX0DER",
            "lastUpdatedAfter": "2026-01-01T00:00:00Z",
            "fulfilledBy": "MERCHANT",
        }
    )
    amazon_sim.expire_access_tokens()
    amazon_sim.refresh_tokens.clear()  # the seller revoked the app

    with pytest.raises(AuthenticationError, match="LWA refused"):
        client.search_orders({"marketplaceIds": "ATVPDKIKX0DER", "lastUpdatedAfter": "2026-01-01T00:00:00Z"})
    assert len(amazon_sim.calls("GET", "/orders/2026-01-01/orders")) == 2


@pytest.mark.django_db
def test_ebay_rest_401_on_a_stale_token_gets_the_kernel_refresh_and_one_retry(sim):  # noqa: F811
    from marketplaces.clients.ebay import EbayClient
    from tests.plugins.ebay import sim_account

    client = EbayClient(sim_account(sim))
    client.user_rate_limits()
    sim.expire_tokens()

    client.user_rate_limits()

    assert client.token_refreshes == 2
    assert len(sim.calls("GET", "/developer/analytics/v1_beta/user_rate_limit/")) == 3
