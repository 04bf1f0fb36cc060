import pytest
from django.core.management import call_command

from inventory.models import AccountStockPolicy, ZohoConnection
from logistics.models import EccangAccount, ShipStationAccount, ShopifyShop, TrackingAccount
from marketplaces.models import MarketplaceAccount

pytestmark = pytest.mark.django_db


def test_seed_demo_points_every_account_at_the_simulators_once(capsys):
    call_command("seed_demo", "--if-empty")
    call_command("seed_demo", "--if-empty")
    assert "Accounts exist already" in capsys.readouterr().out
    amazon = MarketplaceAccount.objects.get(channel="amazon")
    rithum = MarketplaceAccount.objects.get(channel="rithum")
    assert rithum.api_base_url == "http://127.0.0.1:8109" and rithum.shipstation_store_id == 310004
    assert (
        amazon.api_base_url == "http://127.0.0.1:8102" and amazon.credentials["client_id"] == "sim-lwa-client"
    )
    assert ShipStationAccount.objects.get().api_base_url == "http://127.0.0.1:8101"
    assert (
        ShopifyShop.objects.count() == TrackingAccount.objects.count() == ZohoConnection.objects.count() == 1
    )
    assert EccangAccount.objects.get().api_base_url.startswith("http://127.0.0.1:8106/")
    assert AccountStockPolicy.objects.get(account=amazon).ratio > 0
    ebay = MarketplaceAccount.objects.get(channel="ebay")
    assert ebay.api_base_url == ebay.auth_base_url == "http://127.0.0.1:8110"
    assert ebay.shipstation_store_id == 310002 and ebay.refresh_token_issued_at is not None
    assert AccountStockPolicy.objects.get(account=ebay).ratio > 0
    mirakl = MarketplaceAccount.objects.filter(channel="mirakl").order_by("name")
    assert [(a.api_base_url, a.shipstation_store_id) for a in mirakl] == [
        ("http://127.0.0.1:8111/operator-a", 310003),
        ("http://127.0.0.1:8111/operator-b", 310005),
    ]
    assert all(a.credentials["api_key"].startswith("sim-mirakl-key") for a in mirakl)
