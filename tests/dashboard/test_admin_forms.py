"""Point 10 of issue 16: forms that explain and check what ops type."""

from __future__ import annotations

import pytest
import responses

from alerts.models import AlertRecipient
from inventory.models import AccountStockPolicy, SkuRatioOverride, StockLevel
from logistics.models import ShipStationAccount
from marketplaces.models import MarketplaceAccount
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db
ACCOUNTS = "/admin/marketplaces/marketplaceaccount/"


def _account_form(**overrides):
    data = {
        "channel": "amazon",
        "name": "Amazon US",
        "enabled": "on",
        "api_base_url": "",
        "auth_base_url": "",
        "options": "{}",
        "new_credentials": "",
        "shipstation_store_id": "",
        "pull_interval_minutes": "5",
        "amazon_marketplace_ids": "",
        "amazon_seller_id": "",
        "amazon_product_type": "",
        "amazon_region": "",
    }
    return {**data, **overrides}


def test_ratio_fields_explain_the_formula_and_the_cap(admin_client):
    account = MarketplaceAccount.objects.create(name="Amazon US", channel="amazon")
    policy = AccountStockPolicy.objects.create(account=account, ratio="0.5")
    for url in (
        f"/admin/inventory/accountstockpolicy/{policy.pk}/change/",
        "/admin/inventory/skuratiooverride/add/",
    ):
        html = admin_client.get(url).content.decode()
        assert "floor((Zoho available − safety stock) × ratio)" in html
        assert "scaled by cap / sum" in html


def test_an_override_for_an_unknown_sku_warns(admin_client):
    account = MarketplaceAccount.objects.create(name="Amazon US", channel="amazon")
    StockLevel.objects.create(sku="KNOWN-1", zoho_available=5)
    url = "/admin/inventory/skuratiooverride/add/"
    typo = admin_client.post(url, {"sku": "KNOWN-l", "account": account.pk, "ratio": "0.2"}, follow=True)
    assert "No stock is known for SKU &#x27;KNOWN-l&#x27;" in typo.content.decode()
    known = admin_client.post(url, {"sku": "KNOWN-1", "account": account.pk, "ratio": "0.2"}, follow=True)
    assert "No stock is known" not in known.content.decode()
    assert SkuRatioOverride.objects.count() == 2


def test_alert_recipient_needs_an_email_or_a_phone(admin_client):
    url = "/admin/alerts/alertrecipient/add/"
    empty = admin_client.post(url, {"name": "Nobody", "enabled": "on", "new_email": "", "new_phone": ""})
    assert empty.status_code == 200 and "Give an email address or a phone number" in empty.content.decode()
    assert not AlertRecipient.objects.exists()
    phone_only = admin_client.post(
        url, {"name": "Pager", "enabled": "on", "new_email": "", "new_phone": "+14155550100"}
    )
    assert phone_only.status_code == 302
    assert AlertRecipient.objects.get().phone == "+14155550100"


@pytest.mark.parametrize("url", ["ftp://files.example.com/", "javascript:alert(1)", "file:///etc/passwd"])
def test_url_fields_take_http_and_https_only(admin_client, url):
    response = admin_client.post(f"{ACCOUNTS}add/", _account_form(api_base_url=url))
    assert response.status_code == 200
    assert not MarketplaceAccount.objects.exists()
    html = response.content.decode()
    assert "Enter an http:// or https:// address." in html or "Enter a valid URL." in html
    if url.startswith("ftp"):  # a valid URL, but not a web address
        assert "Enter an http:// or https:// address." in html


def test_a_plain_http_simulator_url_is_fine(admin_client):
    response = admin_client.post(f"{ACCOUNTS}add/", _account_form(api_base_url="http://127.0.0.1:8102"))
    assert response.status_code == 302
    assert MarketplaceAccount.objects.get().api_base_url == "http://127.0.0.1:8102"


def test_amazon_options_are_form_fields_stored_in_options(admin_client):
    response = admin_client.post(
        f"{ACCOUNTS}add/",
        _account_form(
            options='{"product_types": {"BIKE-1": "BICYCLE"}}',
            amazon_marketplace_ids="atvpdkikx0der, A2EUQ1WTGCTBG2",
            amazon_seller_id="A1SELLER2ID3",
            amazon_product_type="BICYCLE",
            amazon_region="na",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = MarketplaceAccount.objects.get()
    assert account.options == {
        "product_types": {"BIKE-1": "BICYCLE"},
        "marketplace_ids": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
        "seller_id": "A1SELLER2ID3",
        "product_type": "BICYCLE",
        "region": "na",
    }
    html = admin_client.get(f"{ACCOUNTS}{account.pk}/change/").content.decode()
    assert 'value="ATVPDKIKX0DER, A2EUQ1WTGCTBG2"' in html and "Merchant token" in html
    bad = admin_client.post(f"{ACCOUNTS}add/", _account_form(name="Other", amazon_seller_id="not an id"))
    assert "Amazon ids are 8-20 capital letters and digits." in bad.content.decode()


@responses.activate
def test_shipstation_store_is_picked_from_the_stores_with_a_manual_fallback(admin_client):
    ShipStationAccount.objects.create(
        name="ShipStation", api_base_url="https://ssapi.example.test", api_key="k", api_secret="s"
    )
    responses.get(
        "https://ssapi.example.test/stores", json=load_fixture("shipstation/list_stores_response.sample.json")
    )
    html = admin_client.get(f"{ACCOUNTS}add/").content.decode()
    assert 'list="shipstation-stores"' in html
    assert "<option value='22766'>ShipStation Manual Store (ShipStation)</option>" in html
    response = admin_client.post(f"{ACCOUNTS}add/", _account_form(shipstation_store_id="22766"))
    assert response.status_code == 302
    assert MarketplaceAccount.objects.get().shipstation_store_id == 22766


@responses.activate
def test_store_picker_falls_back_to_typing_when_shipstation_does_not_answer(admin_client):
    ShipStationAccount.objects.create(
        name="ShipStation", api_base_url="https://down.example.test", api_key="k", api_secret="s"
    )
    responses.get("https://down.example.test/stores", status=401, json={"message": "unauthorized"})
    html = admin_client.get(f"{ACCOUNTS}add/").content.decode()
    assert "Could not read the stores from ShipStation" in html and "type the store id by hand" in html
    assert admin_client.post(f"{ACCOUNTS}add/", _account_form(shipstation_store_id="4242")).status_code == 302
