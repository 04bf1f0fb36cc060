"""Cross-app set-up: the Zoho simulator, two Amazon simulators (one per seller account, each with its own
ratio and product type) and the ShipStation simulator, all served over real HTTP, with the accounts of
every app pointing at them. Nothing is faked between the apps: the real connectors, clients, pull service,
outbox handlers and webhook view run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from integration_server.outbox.runner import run_due_jobs
from integration_server.simulators import serve_in_thread
from inventory.models import AccountStockPolicy, StockPolicy, ZohoConnection
from inventory.services.publishing import PUSH_STOCK
from inventory.simulators.zoho import ZohoSimulator
from logistics.shipstation.simulator import ShipStationSimulator
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.amazon import AmazonSimulator
from tests.logistics.factories import ShipStationAccountFactory
from tests.marketplaces.factories import AmazonAccountFactory

ZOHO_SECRET = "e2e-zoho-hook-secret-0123456789abcdef"
US_MARKETPLACE = "ATVPDKIKX0DER"
DE_MARKETPLACE = "A1PA6795UKMFR9"
US_RATIO, DE_RATIO = Decimal("0.6"), Decimal("0.5")


def _serve(sim):
    server = serve_in_thread(sim)
    return sim, server


@pytest.fixture
def zoho_sim():
    sim, server = _serve(ZohoSimulator(rate_limit=1000))
    yield sim
    server.shutdown()


@pytest.fixture
def amazon_us():
    sim, server = _serve(AmazonSimulator(seller_id="A1USSELLER"))
    cache.clear()  # LWA tokens are cached per account id
    yield sim
    server.shutdown()


@pytest.fixture
def amazon_de():
    sim, server = _serve(AmazonSimulator(seller_id="A2DESELLER", refresh_token="Atzr|sim-de-refresh"))
    yield sim
    server.shutdown()


@pytest.fixture
def shipstation_sim():
    sim, server = _serve(ShipStationSimulator())
    yield sim
    server.shutdown()


def amazon_account(sim, name: str, marketplace_id: str, store_id: int, **options) -> MarketplaceAccount:
    return AmazonAccountFactory(
        sim=sim, name=name, marketplace_id=marketplace_id, shipstation_store_id=store_id, **options
    )


@pytest.fixture
def stores(db, zoho_sim, amazon_us, amazon_de, shipstation_sim):
    """Zoho organisation, ShipStation account, Amazon US (ratio 0.6) and Amazon DE (ratio 0.5)."""
    ZohoConnection.objects.create(
        organization_id=zoho_sim.organization_id,
        accounts_url=zoho_sim.base_url,
        api_base_url=zoho_sim.base_url + "/inventory/v1",
        client_id=zoho_sim.client_id,
        client_secret=zoho_sim.client_secret,
        refresh_token=zoho_sim.refresh_token,
        webhook_secret=ZOHO_SECRET,
    )
    ShipStationAccountFactory(
        sim=shipstation_sim, webhook_secret="e2e-shipstation-secret-0123456789abcdefghij"
    )
    us = amazon_account(amazon_us, "Amazon US", US_MARKETPLACE, 310001, product_type="LUGGAGE")
    de = amazon_account(
        amazon_de,
        "Amazon DE",
        DE_MARKETPLACE,
        310002,
        product_type="HOME",
        more_options={"product_types": {"SKU-000002": "TOY"}},
    )
    AccountStockPolicy.objects.create(account=us, ratio=US_RATIO)
    AccountStockPolicy.objects.create(account=de, ratio=DE_RATIO)
    StockPolicy.current()  # the SPEC defaults: safety 1, cap 150 %, min 0, threshold 1
    return {
        "us": us,
        "de": de,
        "amazon_us": amazon_us,
        "amazon_de": amazon_de,
        "zoho": zoho_sim,
        "shipstation": shipstation_sim,
    }


def run_pushes() -> int:
    return run_due_jobs(PUSH_STOCK)


def amazon_calls(sim) -> dict[str, int]:
    """The quantity calls an Amazon simulator received, by operation."""
    return {
        "patch": len(sim.calls("PATCH", "/listings/2021-08-01/items/")),
        "feed_document": len(sim.calls("POST", "/feeds/2021-06-30/documents")),
        "feed": len(sim.calls("POST", "/feeds/2021-06-30/feeds")),
    }


def listed(sim) -> dict[str, int]:
    """SKU -> the quantity the simulated Amazon listing holds."""
    with sim.lock:
        return {sku: listing["quantity"] for sku, listing in sim.listings.items()}
