"""Registering numbers with 17TRACK (40 per call, retried) and the polling fallback, against the simulator."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from integration_server.models import OutboundJob
from logistics.models import TrackedShipment
from logistics.tracking.services import enqueue_registration, poll_tracking, shipments_due_for_poll
from logistics.tracking.status_map import map_status
from notifications.models import Notification
from tests.plugins.notifications import drain, recent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def make_shipments(shop, count, prefix="1ZREG", **extra):
    rows = [
        TrackedShipment(
            tracking_number=f"{prefix}{i:05d}",
            shop=shop,
            order_number=f"#{i}",
            recipient_email=f"c{i}@example.com",
            **extra,
        )
        for i in range(count)
    ]
    TrackedShipment.objects.bulk_create(rows)
    return list(TrackedShipment.objects.filter(tracking_number__startswith=prefix).order_by("pk"))


def test_new_numbers_are_registered_40_per_call(shop, tracking_account, track17_sim):
    shipments = make_shipments(shop, 85)
    shipments[3].tracking_number = "bad#number"
    shipments[3].save()
    enqueue_registration(TrackedShipment.objects.all())
    enqueue_registration(TrackedShipment.objects.all())  # again: one job per number all the same
    assert OutboundJob.objects.filter(kind="tracking.register").count() == 85
    drain()
    calls = track17_sim.calls("POST", "/track/v2.2/register")
    assert [len(c.json()) for c in calls] == [40, 40, 5]
    assert calls[0].headers["17token"] == tracking_account.api_key
    assert TrackedShipment.objects.filter(registration="registered").count() == 84
    rejected = TrackedShipment.objects.get(tracking_number="bad#number")
    assert rejected.registration == "rejected" and "-18010012" in rejected.registration_error
    assert OutboundJob.objects.filter(kind="tracking.register", state="succeeded").count() == 85


def test_already_registered_counts_as_registered(shop, tracking_account, track17_sim):
    [shipment] = make_shipments(shop, 1)
    track17_sim.tracked[shipment.tracking_number] = {
        "carrier": 100002,
        "tag": "",
        "events": [],
        "registered": True,
    }
    enqueue_registration([shipment])
    drain()
    shipment.refresh_from_db()
    assert shipment.registration == "registered"


def test_registration_stops_when_the_provider_refuses_the_key(shop, tracking_account, track17_sim):
    tracking_account.api_key = "wrong"
    tracking_account.save()
    make_shipments(shop, 2)
    enqueue_registration(TrackedShipment.objects.all())
    drain()
    job = OutboundJob.objects.filter(kind="tracking.register").first()
    assert job.state == "failed" and "HTTP 401" in job.last_error  # credentials: stop, ops must fix


def test_polling_fallback_applies_statuses_and_sends_emails(
    shop, tracking_account, track17_sim, anymail_test_backend
):
    old = timezone.now() - timedelta(hours=30)
    quiet = make_shipments(shop, 3, prefix="1ZPOLL", registration="registered", registered_at=old)
    pushed = make_shipments(
        shop, 1, prefix="1ZPUSH", registration="registered", registered_at=old, last_push_at=timezone.now()
    )
    for s in quiet + pushed:
        track17_sim.tracked[s.tracking_number] = {
            "carrier": 100002,
            "tag": "",
            "events": [],
            "registered": True,
        }
    track17_sim.set_status(quiet[0].tracking_number, "Delivered", at=recent(2))
    track17_sim.set_status(quiet[1].tracking_number, "Exception", "Exception_Lost", at=recent(3))
    track17_sim.set_status(quiet[2].tracking_number, "InTransit", "InTransit_Departure", at=recent(4))
    assert set(shipments_due_for_poll().values_list("tracking_number", flat=True)) == {
        s.tracking_number for s in quiet
    }

    totals = poll_tracking()
    drain()
    assert totals["polled"] == 3 and totals["applied"] == 3
    assert [len(c.json()) for c in track17_sim.calls("POST", "/track/v2.2/gettrackinfo")] == [3]
    assert dict(
        TrackedShipment.objects.filter(tracking_number__startswith="1ZPOLL").values_list(
            "tracking_number", "status"
        )
    ) == {
        quiet[0].tracking_number: "delivered",
        quiet[1].tracking_number: "alert",
        quiet[2].tracking_number: "in_transit",
    }
    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "delivery_confirm",
        "exception_alert",
    ]
    assert len(anymail_test_backend) == 2
    # just polled: not due again, and a second poll changes nothing
    assert shipments_due_for_poll().count() == 0


def test_track17_sync_command(shop, tracking_account, track17_sim):
    old = timezone.now() - timedelta(hours=30)
    shipments = make_shipments(shop, 45, prefix="1ZCMD", registration="registered", registered_at=old)
    for s in shipments:
        track17_sim.set_status(s.tracking_number, "InTransit", at=recent(5))
        track17_sim.tracked[s.tracking_number]["registered"] = True
    out = StringIO()
    call_command("track17_sync", "--dry-run", stdout=out)
    assert "45 number(s) would be polled" in out.getvalue()
    out = StringIO()
    call_command("track17_sync", stdout=out)
    assert "Polled 45 number(s): 45 update(s) applied" in out.getvalue()
    assert [len(c.json()) for c in track17_sim.calls("POST", "/track/v2.2/gettrackinfo")] == [40, 5]


@pytest.mark.parametrize(
    "main,sub,expected",
    [
        ("Delivered", "Delivered_Other", "delivered"),
        ("Exception", "Exception_Returned", "returned"),
        ("Exception", "Exception_Returning", "returning"),
        ("Exception", "Exception_NoBody", "undelivered"),
        ("Exception", "Exception_Damage", "alert"),
        ("Exception", "Exception_Held", "alert"),
        ("DeliveryFailure", "DeliveryFailure_InvalidAddress", "delivery_failure"),
        ("InTransit", "InTransit_CustomsProcessing", "in_transit"),
        ("AvailableForPickup", "AvailableForPickup_Other", "available_for_pickup"),
        ("Expired", "Expired_Other", "expired"),
        ("NotFound", "NotFound_InvalidCode", "not_found"),
        ("Bogus", "Bogus_Other", None),
    ],
)
def test_status_table(main, sub, expected):
    assert map_status(main, sub) == expected


def test_status_overrides_win():
    assert map_status("Expired", "Expired_Other", {"Expired": "alert"}) == "alert"
    assert map_status("Exception", "Exception_Delayed", {"Exception_Delayed": "in_transit"}) == "in_transit"


def test_shipments_from_another_source_are_tracked_and_emailed(
    tracking_account, track17_sim, anymail_test_backend
):
    from logistics.tracking.provider import TrackingUpdate
    from logistics.tracking.services import ShipmentInfo, apply_tracking_updates, track_shipments

    info = ShipmentInfo(
        tracking_number="YT2300000001",
        order_number="QGADCX18041700000003",
        recipient_email="buyer@example.com",
        customer_name="Sam",
        items=({"sku": "ACC-1", "title": "Charger", "quantity": 1},),
    )
    [shipment] = track_shipments("eccang", [info])
    track_shipments("eccang", [info])  # again: same row, one registration
    drain()
    shipment.refresh_from_db()
    assert (shipment.source, shipment.registration) == ("eccang", "registered")
    assert len(track17_sim.calls("POST", "/track/v2.2/register")) == 1
    apply_tracking_updates([TrackingUpdate(number="YT2300000001", status="delivered", event_at=recent())])
    drain()
    [message] = anymail_test_backend
    assert "QGADCX18041700000003" in message.subject and "Charger" in message.body
