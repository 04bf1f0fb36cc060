"""A vendor account's base URL cannot send its credentials to someone else's host: outside DEBUG an override
must be https:// on that vendor's hosts (allow-list in code), unless ALLOWED_VENDOR_HOSTS_EXTRA names the host
(simulators, sandboxes). Every change of a base URL or a credential is recorded (who, when, old -> new host,
never a secret) and listed in the admin."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from alerts.models import TwilioAccount
from integration_server.models import ConnectionChange
from inventory.models import ZohoConnection
from logistics.models import EccangAccount, ShipStationAccount, ShopifyShop, TrackingAccount
from marketplaces.models import MarketplaceAccount

pytestmark = pytest.mark.django_db

# (instance factory, field, a good override) for every URL a credential is sent to
CASES = [
    (lambda: MarketplaceAccount(channel="amazon"), "api_base_url", "https://sellingpartnerapi-eu.amazon.com"),
    (lambda: MarketplaceAccount(channel="amazon"), "auth_base_url", "https://api.amazon.com"),
    (lambda: MarketplaceAccount(channel="ebay"), "api_base_url", "https://api.sandbox.ebay.com"),
    (lambda: MarketplaceAccount(channel="ebay"), "auth_base_url", "https://api.ebay.com"),
    (lambda: MarketplaceAccount(channel="rithum"), "api_base_url", "https://staging-api.dsco.io/api/v3"),
    (lambda: MarketplaceAccount(channel="mirakl"), "api_base_url", "https://shop-operator.mirakl.net"),
    (lambda: ZohoConnection(), "accounts_url", "https://accounts.zoho.eu"),
    (lambda: ZohoConnection(), "api_base_url", "https://www.zohoapis.eu"),
    (lambda: ShipStationAccount(), "api_base_url", "https://ssapi.shipstation.com"),
    (lambda: TwilioAccount(), "api_base_url", "https://api.twilio.com"),
    (lambda: EccangAccount(), "api_base_url", "https://openapi-web.eccang.com/openApi/api/unity"),
    (lambda: TrackingAccount(), "api_base_url", "https://api.17track.net/track/v2.2"),
    (lambda: ShopifyShop(shop_domain="bikes.myshopify.com"), "api_base_url", "https://bikes.myshopify.com"),
]
IDS = [f"{factory().__class__.__name__}.{field}" for factory, field, _ in CASES]


def _errors(instance) -> dict:
    try:
        instance.clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.parametrize(("factory", "field", "good"), CASES, ids=IDS)
def test_an_override_must_be_https_on_the_vendors_hosts(factory, field, good):
    instance = factory()
    setattr(instance, field, good)
    assert _errors(instance) == {}
    setattr(instance, field, "https://attacker.example/collect")
    message = " ".join(_errors(instance)[field])
    assert "attacker.example" in message and "ALLOWED_VENDOR_HOSTS_EXTRA" in message
    setattr(instance, field, good.replace("https://", "http://"))
    assert "https" in " ".join(_errors(instance)[field])
    setattr(instance, field, "")
    assert _errors(instance) == {}  # blank = the vendor's own default


@pytest.mark.parametrize(("factory", "field", "good"), CASES, ids=IDS)
def test_listed_simulator_hosts_and_debug_are_allowed(factory, field, good):
    instance = factory()
    setattr(instance, field, "http://127.0.0.1:8110/sim")
    assert field in _errors(instance)
    with override_settings(ALLOWED_VENDOR_HOSTS_EXTRA=["127.0.0.1", ".sandbox.example.net"]):
        assert _errors(instance) == {}
        setattr(instance, field, "https://eu.sandbox.example.net")
        assert _errors(instance) == {}
        setattr(instance, field, "https://sandbox.example.net.attacker.example")
        assert field in _errors(instance)
    with override_settings(DEBUG=True):
        setattr(instance, field, "http://anything.example:8000")
        assert _errors(instance) == {}


def test_a_shopify_shop_domain_must_be_a_myshopify_host():
    shop = ShopifyShop(shop_domain="attacker.example")
    assert "shop_domain" in _errors(shop)
    shop.shop_domain = "bikes.myshopify.com"
    assert _errors(shop) == {}


def _account_form(**overrides):
    form = {
        "channel": "ebay",
        "name": "eBay DE",
        "enabled": "on",
        "options": '{"listing_model": "trading"}',
        "pull_interval_minutes": "5",
        "api_base_url": "",
        "auth_base_url": "",
        "new_credentials": "",
    }
    return {**form, **overrides}


def test_the_admin_refuses_a_foreign_host_with_a_clear_message(admin_client):
    account = MarketplaceAccount.objects.create(
        channel="ebay", name="eBay DE", credentials={"client_id": "c"}
    )
    change = reverse("admin:marketplaces_marketplaceaccount_change", args=[account.pk])
    response = admin_client.post(change, _account_form(api_base_url="http://attacker.example:8080"))
    assert response.status_code == 200
    assert "attacker.example is not an eBay host" in response.content.decode()
    account.refresh_from_db()
    assert account.api_base_url == ""
    assert not ConnectionChange.objects.exists()


def test_base_url_and_credential_changes_are_recorded_without_secrets(admin_client, admin_user):
    account = MarketplaceAccount.objects.create(
        channel="ebay", name="eBay DE", api_base_url="https://api.ebay.com", credentials={"client_id": "c"}
    )
    change = reverse("admin:marketplaces_marketplaceaccount_change", args=[account.pk])
    secret = "v^1.1#very-secret-refresh-token-value"
    form = _account_form(
        api_base_url="https://api.sandbox.ebay.com/ws",
        new_credentials=json.dumps({"refresh_token": secret, "client_secret": "cs-very-secret-0001"}),
    )
    with override_settings(ALLOWED_VENDOR_HOSTS_EXTRA=[]):
        assert admin_client.post(change, form).status_code == 302
    rows = list(ConnectionChange.objects.order_by("field"))
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("api_base_url", "https://api.ebay.com", "https://api.sandbox.ebay.com"),
        ("credentials.client_secret", "none", "set"),
        ("credentials.refresh_token", "none", "set"),
    ]
    assert {r.changed_by for r in rows} == {admin_user.get_username()}
    assert {r.account for r in rows} == {"eBay DE"} and {r.account_type for r in rows} == {
        "marketplaces.marketplaceaccount"
    }
    stored = " ".join(f"{r.old_value} {r.new_value} {r.field} {r.account}" for r in rows)
    assert "very-secret" not in stored and "/ws" not in stored
    listing = admin_client.get(
        reverse("admin:integration_server_connectionchange_changelist")
    ).content.decode()
    assert "https://api.sandbox.ebay.com" in listing and "very-secret" not in listing
    # saving again without changes records nothing more
    assert (
        admin_client.post(change, _account_form(api_base_url="https://api.sandbox.ebay.com/ws")).status_code
        == 302
    )
    assert ConnectionChange.objects.count() == 3


def test_a_replaced_secret_of_a_write_only_field_is_recorded_by_name(admin_client):
    account = ShipStationAccount.objects.create(name="SS", api_key="old-key-value-123", api_secret="s")
    change = reverse("admin:logistics_shipstationaccount_change", args=[account.pk])
    form = {
        "name": "SS",
        "enabled": "on",
        "api_base_url": "",
        "allowed_resource_hosts": account.allowed_resource_hosts,
        "requests_per_minute": account.requests_per_minute,
        "new_api_key": "new-key-value-456",
    }
    response = admin_client.post(change, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ConnectionChange.objects.get()
    assert (row.field, row.old_value, row.new_value) == ("api_key", "set", "replaced")
    assert "key-value" not in f"{row.old_value}{row.new_value}"
