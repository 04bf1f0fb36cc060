"""Polling getOrderList from the simulator: incremental by modify time with an overlap, pages of 100, raw
records kept, dedupe on (reference_no, status) across repeat polls. No official fixture exists: orders are the
simulator's, in the source doc's getOrder shape."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from integration_server.http.errors import ThrottledError
from integration_server.models import OutboundJob, RawPayload
from logistics.eccang.services import poll_account
from logistics.models import EccangAccount, EccangOrderStatus, TrackedShipment
from tests.plugins.eccang import eccang_time, minutes_ago

pytestmark = pytest.mark.django_db


def put(sim, ref, minutes, status="S", method="AS-PARTS", **fields):
    return sim.put_order(
        ref,
        modify_date=eccang_time(minutes_ago(minutes)),
        status=status,
        shipping_method=method,
        shipper_hawbcode=f"TRK{ref}",
        Consignee={"consignee_email": f"{ref.lower()}@example.com", "consignee_name": "Kim"},
        **fields,
    )


def test_pages_of_100_every_order_processed_once(
    eccang_sim, eccang_account, after_sales_rule, django_assert_max_num_queries
):
    for n in range(250):
        put(eccang_sim, f"AS{n:04d}", 30, method="AS-PARTS" if n % 2 == 0 else "PK0068")
    # constant per page, not per order (issue 9 added per page: the carrier-code lookup and the shipped
    # emails' records and send jobs)
    with django_assert_max_num_queries(75):
        result = poll_account(eccang_account)
    assert (result["pages"], result["received"], result["new"], result["complete"]) == (3, 250, 250, True)
    assert (result["after_sales"], result["tracked"]) == (125, 125)
    sizes = [json.loads(r.json()["biz_content"])["page_size"] for r in eccang_sim.calls("POST")]
    assert sizes == [100, 100, 100]
    assert EccangOrderStatus.objects.count() == 250
    assert TrackedShipment.objects.filter(source="eccang").count() == 125
    assert OutboundJob.objects.filter(kind="tracking.register").count() == 125
    # raw records kept, encrypted, one per (reference, status)
    assert RawPayload.objects.filter(source="eccang", kind="order").count() == 250
    raw = RawPayload.objects.get(source="eccang", external_id="AS0000:S")
    assert json.loads(raw.body)["reference_no"] == "AS0000"
    assert EccangOrderStatus.objects.get(reference_no="AS0000").raw_payload_id == raw.pk


def test_repeat_polls_change_nothing_and_a_new_status_is_new(eccang_sim, eccang_account, after_sales_rule):
    put(eccang_sim, "AS1", 5, status="P")
    put(eccang_sim, "AS2", 5, status="S")
    put(eccang_sim, "OLD", 60 * 25, status="S")  # older than the first window (24 h): never read
    first = poll_account(eccang_account)
    assert (first["new"], first["tracked"]) == (2, 1)
    # the watermark moved to the window end; the next window starts overlap minutes before it
    eccang_account.refresh_from_db()
    assert eccang_account.watermark is not None
    again = poll_account(eccang_account, now=timezone.now() + timedelta(minutes=2))
    assert (again["received"], again["new"], again["tracked"]) == (2, 0, 0)  # inside the overlap: repeats
    put(eccang_sim, "AS1", 0, status="S")  # AS1 shipped
    third = poll_account(eccang_account, now=timezone.now() + timedelta(minutes=10))
    assert (third["new"], third["tracked"]) == (1, 1)
    assert sorted(EccangOrderStatus.objects.values_list("reference_no", "status")) == [
        ("AS1", "P"),
        ("AS1", "S"),
        ("AS2", "S"),
    ]
    assert TrackedShipment.objects.count() == 2
    assert OutboundJob.objects.filter(kind="tracking.register").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        EccangOrderStatus.objects.create(
            account=eccang_account, reference_no="AS1", status="S", meaning="shipped"
        )


def test_window_condition_uses_the_watermark_minus_overlap_in_server_time(eccang_sim, eccang_account):
    now = timezone.now()
    EccangAccount.objects.filter(pk=eccang_account.pk).update(
        watermark=now - timedelta(minutes=5), overlap_minutes=10
    )
    eccang_account.refresh_from_db()
    poll_account(eccang_account, now=now)
    condition = json.loads(eccang_sim.calls("POST")[0].json()["biz_content"])["condition"]
    assert condition == {
        "modify_date_start": eccang_time(now - timedelta(minutes=15)),
        "modify_date_end": eccang_time(now),
    }
    # created-date mode: the confirmed keys, a trailing window
    eccang_account.window_mode = "created"
    eccang_account.window_start_key, eccang_account.window_end_key = "created_date_start", "created_date_end"
    poll_account(eccang_account, now=now)
    condition = json.loads(eccang_sim.calls("POST")[1].json()["biz_content"])["condition"]
    assert condition["created_date_start"] == eccang_time(now - timedelta(days=14))


def test_throttled_poll_keeps_the_watermark(eccang_sim, eccang_account):
    for n in range(150):
        put(eccang_sim, f"R{n}", 30)
    eccang_sim.throttle_next.extend(["", "html"])  # page 2 throttled
    with pytest.raises(ThrottledError):
        poll_account(eccang_account)
    eccang_account.refresh_from_db()
    assert eccang_account.watermark is None
    assert EccangOrderStatus.objects.count() == 100  # page 1 was processed; the rerun dedupes it
    assert poll_account(eccang_account)["new"] == 50


def test_sync_command_dry_run_writes_nothing_then_syncs(eccang_sim, eccang_account, after_sales_rule):
    put(eccang_sim, "AS1", 60 * 30)  # 30 hours ago: outside the default first window
    put(eccang_sim, "AS2", 10)
    out = StringIO()
    call_command(
        "eccang_sync", "--dry-run", "--since", (timezone.now() - timedelta(days=2)).isoformat(), stdout=out
    )
    assert "page 1 of 2 orders" in out.getvalue()
    assert "No after-sales rule set" not in out.getvalue()
    assert "dry run: nothing written" in out.getvalue().splitlines()[-1]
    assert not EccangOrderStatus.objects.exists() and not TrackedShipment.objects.exists()
    out = StringIO()
    call_command("eccang_sync", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "Eccang sync: 1 account(s), 1 page(s), 1 orders, 1 new statuses, 1 after-sales, 1 tracked."
    )
    assert list(TrackedShipment.objects.values_list("order_number", flat=True)) == ["AS2"]


def test_sync_command_says_when_no_rule_is_set(eccang_sim, eccang_account):
    put(eccang_sim, "AS1", 10)
    out = StringIO()
    call_command("eccang_sync", stdout=out)
    assert "No after-sales rule set: no Eccang order is treated as after-sales." in out.getvalue()
    assert out.getvalue().splitlines()[-1].endswith("1 new statuses, 0 after-sales, 0 tracked.")


def test_demo_simulator_serves_its_orders(eccang_account):
    from integration_server.simulators import serve_in_thread
    from logistics.eccang.client import EccangClient
    from logistics.eccang.simulator import EccangSimulator, seed_demo_orders

    sim = seed_demo_orders(EccangSimulator())
    server = serve_in_thread(sim)
    try:
        eccang_account.api_base_url = f"{sim.base_url}/openApi/api/unity"
        page = EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition={})
        assert [o["reference_no"] for o in page.items] == ["AS-DEMO-1", "AS-DEMO-2", "SO-DEMO-3"]
    finally:
        server.shutdown()
