"""The eBay simulator served from a thread, and an account pointing at it (shared by the eBay tests)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integration_server.simulators import serve_in_thread
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.ebay import EbaySimulator


@pytest.fixture
def sim():
    simulator = EbaySimulator()
    server = serve_in_thread(simulator)
    cache.clear()
    yield simulator
    server.shutdown()


def sim_account(sim, name="eBay sim", listing_model="inventory_api", store_id=310002) -> MarketplaceAccount:
    return MarketplaceAccount.objects.create(
        channel="ebay",
        name=name,
        api_base_url=sim.base_url,
        auth_base_url=sim.base_url,
        credentials={
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": next(iter(sim.refresh_tokens)),
        },
        options={"listing_model": listing_model, "site_id": 0},
        shipstation_store_id=store_id,
    )
