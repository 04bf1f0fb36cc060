"""The whole Eccang flow: the scheduled poll reads a shipped after-sales order from the Eccang simulator over
HTTP, the parcel becomes a tracked shipment registered with the 17TRACK simulator, and a signed Delivered push
on /webhook/17track sends exactly one delivery_confirm email. No official Eccang fixture exists: the order is
built in the source doc's getOrder shape (reference/eccang.md)."""

from __future__ import annotations

import pytest

from logistics.eccang.tasks import poll_eccang_task
from logistics.models import EccangOrderStatus, TrackedShipment
from notifications.models import Notification
from tests.logistics.eccang_support import *  # noqa: F403
from tests.logistics.eccang_support import eccang_time, minutes_ago
from tests.notifications.support import *  # noqa: F403
from tests.notifications.support import drain, post_17track, push_body, recent

pytestmark = pytest.mark.django_db


def test_poll_to_tracked_to_registered_to_one_delivery_email(
    client, eccang_sim, eccang_account, after_sales_rule, tracking_account, track17_sim, anymail_test_backend
):
    eccang_sim.put_order(
        "AS-2026-0001",
        modify_date=eccang_time(minutes_ago(3)),
        status="S",
        shipping_method="AS-PARTS",
        shipper_hawbcode="YT2611300000001",
        Consignee={"consignee_email": "mia@example.com", "consignee_name": "Mia"},
    )
    eccang_sim.put_order(
        "SO-2026-0002", modify_date=eccang_time(minutes_ago(3)), status="S", shipper_hawbcode="YT2"
    )

    assert poll_eccang_task()["eccang"]["tracked"] == 1
    assert poll_eccang_task() == {"skipped": "no account due"}  # its 5-minute interval has not passed
    drain()  # the registration job calls the 17TRACK simulator

    shipment = TrackedShipment.objects.get()
    assert (shipment.tracking_number, shipment.source, shipment.order_number) == (
        "YT2611300000001",
        "eccang",
        "AS-2026-0001",
    )
    assert shipment.registration == "registered"
    assert "YT2611300000001" in track17_sim.tracked
    assert EccangOrderStatus.objects.get(reference_no="AS-2026-0001").tracked_shipment == shipment
    assert EccangOrderStatus.objects.get(reference_no="SO-2026-0002").outcome == "not after-sales"

    body = push_body("YT2611300000001", "Delivered", at=recent(1), description="Delivered")
    for _ in range(3):
        assert post_17track(client, body).status_code == 200
    drain()

    [email] = Notification.objects.filter(tracking_number="YT2611300000001")
    assert (email.kind, email.state, email.order_number) == ("delivery_confirm", "sent", "AS-2026-0001")
    assert [m.to for m in anymail_test_backend] == [["mia@example.com"]]
