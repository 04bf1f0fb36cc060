"""manage.py check_connection and the admin "Check connection" button (eBay and Amazon through their
simulators), the refresh-token age warning, the revoked-token error on the account, /healthz and the
missed-orders check of the other accounts, and the 90-day backfill limit of eBay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from alerts.models import OpenOrdersCheck
from alerts.services.open_orders import check_open_orders
from marketplaces.models import MarketplaceAccount
from tests.plugins.ebay import sim_account
from tests.plugins.orders_flow import make_amazon_account


@pytest.fixture
def sim(ebay_sim):
    return ebay_sim


pytestmark = pytest.mark.django_db


def _check(*args) -> str:
    out = StringIO()
    call_command("check_connection", *args, stdout=out)
    return out.getvalue()


def test_check_connection_command_for_ebay_and_amazon(sim, amazon_sim):
    ebay = sim_account(sim)
    amazon = make_amazon_account(amazon_sim)
    out = _check(ebay.name, str(amazon.pk))
    for name in (
        "user token from the refresh token",
        "GeteBayOfficialTime: eBay time 20",
        "GetOrders, last hour: 0 order(s) changed in the last hour (0 paid or cancelled), page size 100 accepted",
        "call quota (getUserRateLimits): GetOrders: ",
        "listing model: inventory_api: 25 SKU(s) per call",
        "LWA access token from the refresh token",
        "searchOrders, last hour: searchOrders answered",
        "seller id (quantity pushes): set",
    ):
        assert name in out
    assert "FAIL" not in out and out.strip().endswith("2 account(s) checked, 0 check(s) failed.")
    calls = {r.headers.get("x-ebay-api-call-name") for r in sim.calls("POST", "/ws/api.dll")}
    assert calls == {"GeteBayOfficialTime", "GetOrders"}  # reads only


def test_check_connection_reports_a_revoked_refresh_token(sim, admin_client):
    ebay = sim_account(sim)
    sim.revoke_refresh_tokens()
    out = StringIO()
    with pytest.raises(CommandError, match="check\\(s\\) failed"):
        call_command("check_connection", ebay.name, stdout=out)
    assert "FAIL user token from the refresh token: EbayTokenRefused" in out.getvalue()
    ebay.refresh_from_db()
    assert "invalid_grant" in ebay.auth_problem
    page = admin_client.get(
        reverse("admin:marketplaces_marketplaceaccount_change", args=[ebay.pk])
    ).content.decode()
    assert "eBay refused the refresh token (invalid_grant)" in page
    listing = admin_client.get(reverse("admin:marketplaces_marketplaceaccount_changelist")).content.decode()
    assert 'alt="False"' in listing  # the "credentials ok" column
    with pytest.raises(CommandError, match="unknown account"):
        call_command("check_connection", "nope")
    with pytest.raises(CommandError, match="--all"):
        call_command("check_connection")


def test_admin_check_connection_button(admin_client, sim):
    ebay = sim_account(sim)
    change = reverse("admin:marketplaces_marketplaceaccount_change", args=[ebay.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and b"Check connection" in page.content
    url = reverse("admin:marketplaces_marketplaceaccount_check_connection", args=[ebay.pk])
    assert admin_client.get(url).status_code == 405
    answer = admin_client.post(url, follow=True)
    text = answer.content.decode()
    assert answer.status_code == 200 and "GeteBayOfficialTime: eBay time" in text
    assert sim.client_secret not in text and next(iter(sim.refresh_tokens)) not in text
    # the changelist action does the same for the selected accounts
    answer = admin_client.post(
        reverse("admin:marketplaces_marketplaceaccount_changelist"),
        {"action": "check_connection_action", "_selected_action": [ebay.pk]},
        follow=True,
    )
    assert "GetOrders, last hour" in answer.content.decode()


def test_storing_a_refresh_token_in_the_admin_dates_it_and_age_is_warned(admin_client, client):
    account = MarketplaceAccount.objects.create(
        channel="ebay", name="eBay DE", credentials={"client_id": "c"}, auth_problem="old refusal"
    )
    change = reverse("admin:marketplaces_marketplaceaccount_change", args=[account.pk])
    form = {
        "channel": "ebay",
        "name": "eBay DE",
        "enabled": "on",
        "options": '{"listing_model": "trading"}',
        "pull_interval_minutes": "5",
        "new_credentials": '{"refresh_token": "v^1.1#new"}',
    }
    assert admin_client.post(change, form).status_code == 302
    account.refresh_from_db()
    assert account.credentials == {"client_id": "c", "refresh_token": "v^1.1#new"}
    assert account.refresh_token_issued_at is not None and account.auth_problem == ""

    MarketplaceAccount.objects.filter(pk=account.pk).update(
        refresh_token_issued_at=timezone.now() - timedelta(days=500)
    )
    health = client.get("/healthz").json()
    assert any("eBay DE" in w and "expires in about" in w for w in health["warnings"])
    assert not any("eBay DE" in p for p in health["problems"])  # a warning, not a failure
    page = admin_client.get(change).content.decode()
    assert "expires in about" in page
    assert "expires in about" in admin_client.get("/admin/").content.decode()


def test_missed_orders_check_goes_on_for_other_accounts_when_one_token_is_revoked(sim, amazon_sim):
    ebay = sim_account(sim)
    amazon = make_amazon_account(amazon_sim)
    amazon_sim.add_order("115-0000000-0000001", created=timezone.now() - timedelta(hours=2))
    sim.revoke_refresh_tokens()
    assert check_open_orders() == {"checked": 1, "skipped": 0, "failed": 1}
    assert OpenOrdersCheck.objects.get(account=amazon).missing == 1
    ebay.refresh_from_db()
    assert "refresh token" in ebay.auth_problem


def test_pull_orders_refuses_an_ebay_backfill_older_than_90_days(sim):
    ebay = sim_account(sim)
    since = (timezone.now() - timedelta(days=120)).date().isoformat()
    out, err = StringIO(), StringIO()
    call_command("pull_orders", "--account", ebay.name, "--since", since, stdout=out, stderr=err)
    assert "eBay returns only orders changed in the last 90 days" in err.getvalue()
    assert "1 failed" in out.getvalue()
    assert not sim.calls("POST", "/ws/api.dll")
