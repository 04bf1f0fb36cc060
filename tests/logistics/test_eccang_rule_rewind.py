"""A rule added after orders were seen applies to them when ops poll again with a rewind (issue 16 pt 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.eccang.services import poll_account
from logistics.models import EccangAfterSalesRule, EccangOrderStatus, TrackedShipment
from tests.plugins.eccang import eccang_time, minutes_ago

pytestmark = pytest.mark.django_db


def _put(sim, ref, status="S", method="AS-PARTS"):
    sim.put_order(
        ref,
        modify_date=eccang_time(minutes_ago(30)),
        status=status,
        shipping_method=method,
        shipper_hawbcode=f"TRK{ref}",
        Consignee={"consignee_email": f"{ref.lower()}@example.com", "consignee_name": "Kim"},
    )


def test_a_rule_added_later_applies_to_seen_orders_on_a_rewound_poll(eccang_sim, eccang_account):
    _put(eccang_sim, "LATE-1")
    _put(eccang_sim, "LATE-2", method="PK0068")
    first = poll_account(eccang_account)
    assert (first["new"], first["after_sales"]) == (2, 0)
    assert not TrackedShipment.objects.filter(source="eccang").exists()

    EccangAfterSalesRule.objects.create(
        account=eccang_account, kind=EccangAfterSalesRule.Kind.SHIPPING_METHOD, values="AS-PARTS"
    )
    again = poll_account(eccang_account, since=timezone.now() - timedelta(days=1))
    assert (again["new"], again["reclassified"], again["tracked"]) == (0, 1, 1)
    row = EccangOrderStatus.objects.get(reference_no="LATE-1")
    assert row.after_sales and row.matched_rule and row.tracked_shipment is not None
    assert not EccangOrderStatus.objects.get(reference_no="LATE-2").after_sales
    assert TrackedShipment.objects.filter(source="eccang", tracking_number="TRKLATE-1").count() == 1
    # a third poll changes nothing more
    third = poll_account(eccang_account, since=timezone.now() - timedelta(days=1))
    assert (third["reclassified"], third["tracked"]) == (0, 0)


def test_poll_now_with_rewind_action(admin_client, eccang_sim, eccang_account):
    _put(eccang_sim, "LATE-3")
    poll_account(eccang_account)
    EccangAfterSalesRule.objects.create(
        account=eccang_account, kind=EccangAfterSalesRule.Kind.SHIPPING_METHOD, values="AS-PARTS"
    )
    response = admin_client.post(
        "/admin/logistics/eccangaccount/",
        {"action": "poll_now_rewind", "_selected_action": [eccang_account.pk]},
        follow=True,
    )
    assert "1 seen order(s) now after-sales" in response.content.decode()
    assert EccangOrderStatus.objects.get(reference_no="LATE-3").after_sales
