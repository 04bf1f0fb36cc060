"""Who changed what and when, for what ops edit: ratios, overrides, stock policy, alert rules, carrier
mappings and account settings (never credentials), on each admin page; the explain page names the ratio's
last change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from alerts.models import AlertRule
from inventory.models import AccountStockPolicy, SkuRatioOverride, StockPolicy
from logistics.models import CarrierCodeMapping, TrackingCarrierCode
from marketplaces.models import MarketplaceAccount
from tests.inventory.conftest import set_level

pytestmark = pytest.mark.django_db


def test_an_admin_change_of_a_ratio_is_recorded_with_its_author_and_shown_on_the_explain_page(
    accounts, admin_client, admin_user
):
    policy = AccountStockPolicy.objects.get(account=accounts["amazon"])
    url = reverse("admin:inventory_accountstockpolicy_change", args=[policy.pk])
    response = admin_client.post(
        url, {"account": accounts["amazon"].pk, "ratio": "0.7", "publish_enabled": "on"}
    )
    assert response.status_code == 302
    last = policy.history.latest()
    assert (last.ratio, last.history_user, last.history_type) == (Decimal("0.7000"), admin_user, "~")
    assert (
        admin_client.get(reverse("admin:inventory_accountstockpolicy_history", args=[policy.pk])).status_code
        == 200
    )

    set_level("X", 10)
    text = admin_client.get(reverse("admin:inventory_stocklevel_explain", args=["X"])).content.decode()
    assert f"changed to 0.7 on {last.history_date:%Y-%m-%d %H:%M} UTC by {admin_user.get_username()}" in text


def test_the_explain_page_names_the_override_change_when_an_override_is_in_use(accounts, admin_client):
    SkuRatioOverride.objects.create(sku="X", account=accounts["amazon"], ratio=Decimal("1.2"))
    set_level("X", 10)
    text = admin_client.get(reverse("admin:inventory_stocklevel_explain", args=["X"])).content.decode()
    assert "set to 1.2 on " in text and "by the system" in text


def test_account_history_never_holds_credentials():
    fields = {f.name for f in MarketplaceAccount.history.model._meta.get_fields()}
    assert "credentials" not in fields and "access_token_cache" not in fields
    account = MarketplaceAccount.objects.create(
        channel="amazon", name="A", credentials={"client_secret": "s3"}
    )
    account.options = {"seller_id": "S1"}
    account.save()
    assert [h.options for h in account.history.order_by("history_id")] == [{}, {"seller_id": "S1"}]


def _saved(obj):
    obj.save()
    return obj


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (StockPolicy, lambda: StockPolicy.current()),
        (
            SkuRatioOverride,
            lambda: SkuRatioOverride.objects.create(
                sku="Y",
                account=MarketplaceAccount.objects.create(channel="amazon", name="B"),
                ratio=Decimal("1"),
            ),
        ),
        (AlertRule, lambda: _saved(AlertRule.objects.first())),  # seeded before history: first change
        (
            CarrierCodeMapping,
            lambda: CarrierCodeMapping.objects.create(
                shipstation_carrier_code="ups", channel="amazon", marketplace_carrier_code="UPS"
            ),
        ),
        (TrackingCarrierCode, lambda: TrackingCarrierCode.objects.create(carrier="Acme", provider_code="1")),
        (MarketplaceAccount, lambda: MarketplaceAccount.objects.create(channel="ebay", name="C")),
    ],
)
def test_each_edited_model_has_a_history_page_in_the_admin(admin_client, model, make):
    obj = make()
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert obj.history.exists()
