"""The whole Eccang flow: the scheduled poll reads a shipped after-sales order from the Eccang simulator over
HTTP, the parcel becomes a tracked shipment registered with the 17TRACK simulator, and a signed Delivered push
on /webhook/17track sends exactly one delivery_confirm email. No official Eccang fixture exists: the order is
built in the source doc's getOrder shape (reference/eccang.md)."""

from __future__ import annotations

import pytest

from logistics.eccang.tasks import poll_eccang_task
from logistics.models import EccangOrderStatus, TrackedShipment
from notifications.models import Notification
from tests.plugins.eccang import eccang_time, minutes_ago
from tests.plugins.notifications import drain, post_17track, push_body, recent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


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

    [email] = Notification.objects.filter(tracking_number="YT2611300000001", kind="delivery_confirm")
    assert (email.kind, email.state, email.order_number) == ("delivery_confirm", "sent", "AS-2026-0001")
    # and before it, once, the after-sales shipped email (issue 9)
    [shipped] = Notification.objects.filter(tracking_number="YT2611300000001", kind="aftersales_shipped")
    assert shipped.state == "sent"
    assert [m.to for m in anymail_test_backend] == [["mia@example.com"], ["mia@example.com"]]


def test_after_sales_shipped_email_once_per_reference_and_problem_status_emails(
    eccang_sim, eccang_account, after_sales_rule, tracking_account, track17_sim, anymail_test_backend
):
    from logistics.eccang.services import process_orders
    from logistics.models import EccangStatusMapping, TrackingCarrierCode
    from tests.plugins.eccang import order_item

    TrackingCarrierCode.objects.create(carrier="AS-PARTS", provider_code="100003")
    EccangStatusMapping.objects.create(account=eccang_account, code="X", meaning="problem", note="cancelled")
    consignee = {"consignee_email": "ola@example.com", "consignee_name": "Ola"}
    shipped = order_item("AS-9", "S", shipping_method="AS-PARTS", shipper_hawbcode="YT9", Consignee=consignee)
    process_orders(eccang_account, [shipped])
    # the same reference completed (C = shipped too), and a later corrected number: no second shipped email
    process_orders(eccang_account, [{**shipped, "status": "C"}, {**shipped, "shipper_hawbcode": "YT9B"}])
    process_orders(
        eccang_account, [order_item("AS-10", "E", shipping_method="AS-PARTS", Consignee=consignee)]
    )
    process_orders(
        eccang_account, [order_item("AS-11", "X", shipping_method="AS-PARTS", Consignee=consignee)]
    )
    drain()
    sent = sorted(Notification.objects.values_list("kind", "order_number", "state"))
    assert sent == [
        ("aftersales_shipped", "AS-9", "sent"),
        ("exception_alert", "AS-10", "sent"),
        ("exception_alert", "AS-11", "sent"),
    ]
    shipped_mail = next(m for m in anymail_test_backend if "AS-9" in m.subject)
    assert "YT9" in shipped_mail.body and shipped_mail.to == ["ola@example.com"]
    # registered with the carrier code mapped from Eccang's shipping method
    [register] = [c for c in track17_sim.calls("POST", "/track/v2.2/register") if b"YT9" in c.body]
    assert '"carrier": 100003' in register.body.decode() or '"carrier":100003' in register.body.decode()
