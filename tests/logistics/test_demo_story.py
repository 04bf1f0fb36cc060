"""The first run's demo story over real HTTP (issue 16 point 14): split-package and pre-order fulfillments
from the Shopify simulator, then an exception and a delivery from 17TRACK, give one email record of each kind;
the seeded demo accounts (17TRACK host alone, an Eccang after-sales rule) are usable as they are."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from logistics.demo_story import play
from logistics.models import EccangAfterSalesRule, ShopifyShop, TrackingAccount
from logistics.tracking.track17 import api_base_url
from notifications.models import Notification
from tests.plugins.notifications import TRACK17_KEY

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


@pytest.mark.django_db(transaction=True)
def test_demo_story_gives_every_customer_email(live_server, shopify_sim, track17_sim):
    call_command("seed_demo", verbosity=0)
    # the seeded accounts, pointed at this test's simulators (their ports are free ones, not 8104/8105)
    ShopifyShop.objects.update(api_base_url=shopify_sim.base_url, admin_api_token=shopify_sim.access_token)
    TrackingAccount.objects.update(api_base_url=track17_sim.base_url, api_key=TRACK17_KEY)
    track17_sim.api_key = TRACK17_KEY
    done = play(
        live_server.url, {"shopify": shopify_sim, "track17": track17_sim}, settle_seconds=20, say=print
    )
    assert len(done) == 5 and all(line.endswith(" 200") for line in done), done
    kinds = dict(Notification.objects.values_list("kind", "state"))
    assert kinds["presale_shipped"] == "sent"
    assert kinds["exception_alert"] == "sent"
    assert kinds["delivery_confirm"] == "sent"
    assert kinds["split_package"] in ("pending", "sent")  # waits for the settle window of the other packages


@pytest.mark.django_db
def test_seeded_demo_accounts_work_as_they_are():
    call_command("seed_demo", verbosity=0)
    assert TrackingAccount.objects.get().api_base_url == "http://127.0.0.1:8105"  # the host alone
    assert api_base_url("http://127.0.0.1:8105") == "http://127.0.0.1:8105/track/v2.2"
    rule = EccangAfterSalesRule.objects.get()
    assert (rule.kind, rule.values) == ("shipping_method", "AS-PARTS")
