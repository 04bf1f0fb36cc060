"""factory-boy factories for marketplace accounts and orders (DESIGN: factories per app for rows).

``AmazonAccountFactory(sim=amazon_sim)`` is an Amazon seller account whose base URLs and credentials point at
that simulator; ``EbayAccountFactory(sim=ebay_sim)`` the same for eBay. Without ``sim`` they are plain rows."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from marketplaces.models import MarketplaceAccount, Order, OrderLine


def _sim_credentials(account) -> dict:
    sim = account.sim
    if sim is None:
        return {}
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "refresh_token": next(iter(sim.refresh_tokens)),
    }


class MarketplaceAccountFactory(DjangoModelFactory):
    class Meta:
        model = MarketplaceAccount

    class Params:
        sim = None  # a simulator: base URLs and credentials point at it

    channel = "amazon"
    name = factory.Sequence(lambda n: f"Account {n}")
    shipstation_store_id = 310001
    api_base_url = factory.LazyAttribute(lambda o: o.sim.base_url if o.sim else "")
    auth_base_url = factory.LazyAttribute(lambda o: o.sim.base_url if o.sim else "")
    credentials = factory.LazyAttribute(_sim_credentials)


class AmazonAccountFactory(MarketplaceAccountFactory):
    class Params:
        marketplace_id = "ATVPDKIKX0DER"
        product_type = "LUGGAGE"
        more_options: dict = {}

    channel = "amazon"
    name = "Amazon US"
    options = factory.LazyAttribute(
        lambda o: {
            "marketplace_ids": [o.marketplace_id],
            "seller_id": o.sim.seller_id if o.sim else "",
            "product_type": o.product_type,
            **o.more_options,
        }
    )


class EbayAccountFactory(MarketplaceAccountFactory):
    class Params:
        listing_model = "inventory_api"

    channel = "ebay"
    name = "eBay sim"
    shipstation_store_id = 310002
    options = factory.LazyAttribute(lambda o: {"listing_model": o.listing_model, "site_id": 0})


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    account = factory.SubFactory(MarketplaceAccountFactory)
    marketplace_order_id = factory.Sequence(lambda n: f"ORD-{n}")


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_id = factory.Sequence(lambda n: f"L{n}")
    sku = "SKU-1"
    quantity = 1
