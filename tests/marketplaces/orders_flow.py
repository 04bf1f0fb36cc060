"""Shared set-up for the orders-flow tests: simulators served from threads, accounts pointing at them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integration_server.simulators import serve_in_thread
from logistics.models import ShipStationAccount
from logistics.simulators.shipstation import ShipStationSimulator
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.amazon import AmazonSimulator

STORE_ID = 310001
WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdefghijklmnop"


@pytest.fixture
def shipstation_sim():
    sim = ShipStationSimulator()
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture
def amazon_sim():
    sim = AmazonSimulator()
    server = serve_in_thread(sim)
    cache.clear()
    yield sim
    server.shutdown()


def make_shipstation_account(sim) -> ShipStationAccount:
    return ShipStationAccount.objects.create(
        api_base_url=sim.base_url,
        api_key="sim-ss-key",
        api_secret="sim-ss-secret",
        webhook_secret=WEBHOOK_SECRET,
    )


def make_amazon_account(sim, name="Amazon US", store_id=STORE_ID) -> MarketplaceAccount:
    return MarketplaceAccount.objects.create(
        channel="amazon",
        name=name,
        api_base_url=sim.base_url,
        auth_base_url=sim.base_url,
        credentials={
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": next(iter(sim.refresh_tokens)),
        },
        options={"marketplace_ids": ["ATVPDKIKX0DER"], "seller_id": sim.seller_id, "product_type": "LUGGAGE"},
        shipstation_store_id=store_id,
    )


@pytest.fixture
def flow(shipstation_sim, amazon_sim):
    ss_account = make_shipstation_account(shipstation_sim)
    account = make_amazon_account(amazon_sim)
    return shipstation_sim, amazon_sim, ss_account, account
