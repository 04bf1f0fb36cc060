"""Issue 9 points 5 and 6: numbers are registered with the carrier the source gave (mapped to 17TRACK codes by
an editable table); the 17TRACK base URL may be the host alone; ``track17_sync`` registers pending numbers."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from logistics.demo import seed as seed_demo
from logistics.models import TrackedShipment, TrackingAccount, TrackingCarrierCode
from logistics.tracking.provider import TrackingRequest
from logistics.tracking.services import enqueue_registration
from logistics.tracking.track17 import DEFAULT_BASE_URL, Track17Provider, api_base_url
from tests.plugins.notifications import TRACK17_KEY, drain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def _shipment(number, carrier="", **extra):
    return TrackedShipment.objects.create(
        tracking_number=number, carrier=carrier, recipient_email="c@example.com", order_number="#1", **extra
    )


def _registered_items(sim) -> dict:
    items = {}
    for call in sim.calls("POST", "/track/v2.2/register"):
        for item in json.loads(call.body):
            items[item["number"]] = item
    return items


def test_registration_sends_the_mapped_carrier_code(shop, tracking_account, track17_sim):
    # seeded by the migration: Shopify's "UPS", ShipStation's "fedex", ...; an unknown carrier: auto-detect
    assert TrackingCarrierCode.objects.get(carrier="ups").provider_code == "100002"
    TrackingCarrierCode.objects.create(carrier="Yun_Express", provider_code="190008")
    shipments = [
        _shipment("1ZCARR0001", "UPS"),
        _shipment("1ZCARR0002", "fedex"),
        _shipment("YT000000003", "YUN EXPRESS"),
        _shipment("1ZCARR0004", "Some local courier"),
    ]
    enqueue_registration(shipments)
    drain()
    items = _registered_items(track17_sim)
    assert items["1ZCARR0001"]["carrier"] == 100002
    assert items["1ZCARR0002"]["carrier"] == 100003
    assert items["YT000000003"]["carrier"] == 190008
    assert "carrier" not in items["1ZCARR0004"]
    assert TrackedShipment.objects.filter(registration="registered").count() == 4


@pytest.mark.parametrize(
    "configured,expected",
    [
        ("", DEFAULT_BASE_URL),
        ("https://api.17track.net", "https://api.17track.net/track/v2.2"),
        ("https://api.17track.net/", "https://api.17track.net/track/v2.2"),
        ("http://127.0.0.1:8105", "http://127.0.0.1:8105/track/v2.2"),
        ("http://127.0.0.1:8105/track/v2.2", "http://127.0.0.1:8105/track/v2.2"),
    ],
)
def test_base_url_host_alone_gets_the_api_path(configured, expected):
    assert api_base_url(configured) == expected


def test_host_only_base_url_talks_to_17track(track17_sim):
    account = TrackingAccount.objects.create(
        provider="17track", api_key=TRACK17_KEY, api_base_url=track17_sim.base_url
    )
    result = Track17Provider(account).register([TrackingRequest("1ZHOST0001")])
    assert result.accepted == ["1ZHOST0001"]


def test_demo_account_reaches_the_17track_simulator():
    seed_demo()
    account = TrackingAccount.objects.get(provider="17track")
    assert api_base_url(account.api_base_url) == "http://127.0.0.1:8105/track/v2.2"


def test_track17_sync_registers_pending_numbers(shop, tracking_account, track17_sim):
    _shipment("1ZPEND0001", "UPS")  # its registration job failed long ago, or never ran
    _shipment("1ZPEND0002")
    out = StringIO()
    call_command("track17_sync", "--dry-run", stdout=out)
    assert "2 pending number(s) would be registered" in out.getvalue()
    out = StringIO()
    call_command("track17_sync", stdout=out)
    assert "Registered 2 pending number(s), 0 rejected." in out.getvalue()
    assert set(TrackedShipment.objects.values_list("registration", flat=True)) == {"registered"}
    assert track17_sim.tracked["1ZPEND0001"]["registered"]
    assert _registered_items(track17_sim)["1ZPEND0001"]["carrier"] == 100002


def test_carrier_table_is_edited_in_the_admin_case_insensitively(client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    url = "/admin/logistics/trackingcarriercode/add/"
    response = client.post(url, {"carrier": "Yun_Express ", "provider_code": "190008", "note": ""})
    assert response.status_code == 302
    assert TrackingCarrierCode.objects.get(provider_code="190008").carrier == "yun express"
    duplicate = client.post(url, {"carrier": "YUN-EXPRESS", "provider_code": "190008", "note": ""})
    assert duplicate.status_code == 200 and "carrier" in duplicate.context["adminform"].form.errors
    not_a_code = client.post(url, {"carrier": "Other", "provider_code": "abc", "note": ""})
    assert "provider_code" in not_a_code.context["adminform"].form.errors
