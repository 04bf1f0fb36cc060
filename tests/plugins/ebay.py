"""A pytest plugin: the eBay simulator served from a thread (``ebay_sim``), and an account pointing at it."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integration_server.simulators import serve_in_thread
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.ebay import EbaySimulator
from tests.marketplaces.factories import EbayAccountFactory


@pytest.fixture
def ebay_sim():
    simulator = EbaySimulator()
    server = serve_in_thread(simulator)
    cache.clear()
    yield simulator
    server.shutdown()


def sim_account(sim, name="eBay sim", listing_model="inventory_api", store_id=310002) -> MarketplaceAccount:
    return EbayAccountFactory(sim=sim, name=name, listing_model=listing_model, shipstation_store_id=store_id)
