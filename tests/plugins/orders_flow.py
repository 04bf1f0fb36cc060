"""A pytest plugin for the orders-flow tests: simulators served from threads, accounts pointing at them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integration_server.simulators import serve_in_thread
from logistics.models import ShipStationAccount
from logistics.shipstation.simulator import ShipStationSimulator
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.amazon import AmazonSimulator
from tests.logistics.factories import ShipStationAccountFactory
from tests.marketplaces.factories import AmazonAccountFactory

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
    return ShipStationAccountFactory(sim=sim, webhook_secret=WEBHOOK_SECRET)


def make_amazon_account(sim, name="Amazon US", store_id=STORE_ID) -> MarketplaceAccount:
    return AmazonAccountFactory(sim=sim, name=name, shipstation_store_id=store_id)


@pytest.fixture
def flow(shipstation_sim, amazon_sim):
    ss_account = make_shipstation_account(shipstation_sim)
    account = make_amazon_account(amazon_sim)
    return shipstation_sim, amazon_sim, ss_account, account
