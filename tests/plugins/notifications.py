"""Shared set-up of the shipment-email tests (Shopify, 17TRACK, notifications): rows, simulators, helpers.

A pytest plugin (tests/conftest.py): its fixtures are available to every test; a module that sends through
anymail's test backend says so with ``pytest.mark.usefixtures("anymail_test_backend")``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from integration_server.outbox.runner import run_due_jobs
from integration_server.simulators import serve_in_thread
from integration_server.simulators.base import FixedWindowLimiter
from logistics.models import ShopifyShop, TrackingAccount
from logistics.shopify.signature import webhook_hmac
from logistics.shopify.simulator import ShopifySimulator
from logistics.tracking.signature import push_signature
from logistics.tracking.simulator import Track17Simulator
from tests.conftest import SHARED_FIXTURES

SHOP_DOMAIN = "test-store.myshopify.com"
SHOP_SECRET = "shopify-webhook-secret"
TRACK17_KEY = "sim-17track-key"


def drain(now=None) -> int:
    """Run every due outbox job, including the jobs those jobs create, until none is due."""
    total = 0
    for _ in range(50):
        ran = run_due_jobs(now=now)
        if not ran:
            return total
        total += ran
    raise AssertionError("jobs keep creating jobs")


def fixture_bytes(relative: str) -> bytes:
    return (SHARED_FIXTURES / relative).read_bytes()


def shopify_headers(
    body: bytes,
    *,
    topic="fulfillments/create",
    webhook_id="wh-1",
    secret=SHOP_SECRET,
    domain=SHOP_DOMAIN,
    triggered_at=None,
):
    return {
        "HTTP_X_SHOPIFY_TRIGGERED_AT": (triggered_at or datetime.now(UTC)).isoformat(),
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_HMAC_SHA256": webhook_hmac(body, secret),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": domain,
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id,
        "HTTP_X_SHOPIFY_API_VERSION": "2026-07",
    }


def post_shopify(client, body: bytes, **kwargs):
    return client.post(
        "/webhook/shopify", data=body, content_type="application/json", **shopify_headers(body, **kwargs)
    )


def post_17track(client, body: bytes, key: str = TRACK17_KEY, sign: str | None = None):
    return client.post(
        "/webhook/17track",
        data=body,
        content_type="application/json",
        HTTP_SIGN=sign if sign is not None else push_signature(body, key),
    )


MILESTONE_OF = {
    "InfoReceived": "InfoReceived",
    "InTransit": "PickedUp",
    "AvailableForPickup": "AvailableForPickup",
    "OutForDelivery": "OutForDelivery",
    "Delivered": "Delivered",
}


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def push_body(
    number: str,
    status: str,
    sub_status: str | None = None,
    *,
    at: datetime,
    description: str = "",
    history: list[tuple[str, str | None, datetime]] | None = None,
) -> bytes:
    """A TRACKING_UPDATED push in the fixture's shape, for ``number`` with the given latest status. Like a
    real push it carries the parcel's history (milestones and provider events): the earlier ``history``
    events ((status, sub-status, time) tuples) plus the latest one; the fixture's own 2022 history is
    replaced so that it does not contradict the latest status."""
    payload = json.loads(fixture_bytes("17track/webhook_tracking_updated.sample.json"))
    data = payload["data"]
    data["number"] = number
    track_info = data["track_info"]
    track_info["latest_status"] = {
        "status": status,
        "sub_status": sub_status or f"{status}_Other",
        "sub_status_descr": None,
    }
    track_info["latest_event"].update(
        {"time_utc": _utc(at), "time_iso": at.isoformat(), "description": description or status}
    )
    events = sorted([*(history or []), (status, sub_status, at)], key=lambda e: e[2], reverse=True)
    template_event = track_info["tracking"]["providers"][0]["events"][0]
    track_info["tracking"]["providers"][0]["events"] = [
        {
            **template_event,
            "time_utc": _utc(when),
            "time_iso": when.isoformat(),
            "description": main,
            "stage": MILESTONE_OF.get(main),
            "sub_status": sub or f"{main}_Other",
        }
        for main, sub, when in events
    ]
    reached = {}
    for main, _, when in reversed(events):  # oldest first: the first time each stage was reached
        stage = MILESTONE_OF.get(main)
        if stage and stage not in reached:
            reached[stage] = when
    for milestone in track_info["milestone"]:
        when = reached.get(milestone["key_stage"])
        milestone["time_utc"] = _utc(when) if when else None
        milestone["time_iso"] = when.isoformat() if when else None
    return json.dumps(payload, indent="\t").encode()


def after_settle_window() -> datetime:
    """A moment after the split email's settle window (its send job is due then)."""
    from notifications import conf

    return datetime.now(UTC) + timedelta(minutes=conf.SPLIT_EMAIL_SETTLE_MINUTES + 1)


def recent(hours: float = 1) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


@pytest.fixture
def anymail_test_backend(settings):
    """Django's test set-up swaps in the locmem backend; these tests send through anymail's test backend."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    yield mail.outbox


@pytest.fixture(scope="session")
def shopify_sim_server():
    sim = ShopifySimulator()
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture(scope="session")
def track17_sim_server():
    sim = Track17Simulator(api_key=TRACK17_KEY, requests_per_second=1000)
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture
def shopify_sim(shopify_sim_server):
    """The Shopify simulator over real HTTP, emptied for each test."""
    with shopify_sim_server.lock:
        shopify_sim_server.orders.clear()
        shopify_sim_server.webhooks.clear()
        shopify_sim_server.scopes = {"read_orders", "read_fulfillments", "read_products"}
        shopify_sim_server.requests.clear()
        # a fresh rate window: the calls of earlier tests on this worker do not throttle this one
        shopify_sim_server.limiter = FixedWindowLimiter(20, 1.0)
    return shopify_sim_server


@pytest.fixture
def track17_sim(track17_sim_server):
    """The 17TRACK simulator over real HTTP, emptied for each test."""
    with track17_sim_server.lock:
        track17_sim_server.tracked.clear()
        track17_sim_server.requests.clear()
        track17_sim_server.quota_used = 0
    return track17_sim_server


@pytest.fixture
def shop(db, shopify_sim):
    return ShopifyShop.objects.create(
        name="Test store",
        shop_domain=SHOP_DOMAIN,
        api_base_url=shopify_sim.base_url,
        admin_api_token=shopify_sim.access_token,
        webhook_secret=SHOP_SECRET,
        presale_sku_prefixes="PRE-",
        brand_name="Fiido Test",
        sender_name="Fiido Shipping",
        sender_email="shipping@fiido.example",
        review_url="https://reviews.example/fiido",
    )


@pytest.fixture
def tracking_account(db, track17_sim):
    return TrackingAccount.objects.create(
        provider="17track", api_key=TRACK17_KEY, api_base_url=f"{track17_sim.base_url}/track/v2.2"
    )
