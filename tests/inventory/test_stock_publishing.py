"""Publishing: change-only pushes in the connector's batch size, per-SKU rejections with the marketplace's
reason, retries (3) for failures, throttling waits, a newer quantity superseding an older pending one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.http.errors import RetryableError, ThrottledError
from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from inventory.models import PublishedQuantity
from inventory.services.publishing import PUSH_STOCK, reallocate_and_enqueue
from inventory.services.rebalance import rebalance_all, rebalance_if_due

from .conftest import run_pushes, set_level

pytestmark = pytest.mark.django_db


def _pq(sku, account):
    return PublishedQuantity.objects.get(sku=sku, account=account)


def test_rejections_are_recorded_per_sku_with_the_reason(accounts, recorders):
    for sku in ("A", "B"):
        set_level(sku, 11)
    recorders["amazon"].reject = {"B": "8541: the SKU is not in your catalogue"}
    reallocate_and_enqueue({"A": 11, "B": 11})
    run_pushes()
    a, b = _pq("A", accounts["amazon"]), _pq("B", accounts["amazon"])
    assert (a.published_quantity, a.last_result) == (6, "accepted")
    assert (b.published_quantity, b.last_pushed_quantity, b.last_result) == (None, 6, "rejected")
    assert b.last_reason == "8541: the SKU is not in your catalogue"
    job = OutboundJob.objects.get(kind=PUSH_STOCK, group_key=f"account:{accounts['amazon'].pk}")
    assert job.state == "succeeded" and job.result["rejected"] == {
        "B": "8541: the SKU is not in your catalogue"
    }


def test_failures_retry_three_times_then_fail(accounts, recorders):
    set_level("A", 11)
    recorders["ebay"].fail_with = [RetryableError("boom", vendor="ebay", status=503)] * 4
    reallocate_and_enqueue({"A": 11})
    now = timezone.now()
    for minute in range(0, 30, 5):
        run_due_jobs(PUSH_STOCK, now=now + timedelta(minutes=minute))
    job = OutboundJob.objects.get(kind=PUSH_STOCK, group_key=f"account:{accounts['ebay'].pk}")
    assert job.state == "failed" and job.retries_used == 3 and job.attempts == 4
    assert _pq("A", accounts["ebay"]).published_quantity is None
    assert _pq("A", accounts["amazon"]).published_quantity == 6


def test_throttling_waits_without_spending_a_retry(accounts, recorders):
    set_level("A", 11)
    recorders["amazon"].fail_with = [ThrottledError(wait_seconds=2)]
    reallocate_and_enqueue({"A": 11})
    run_pushes()
    job = OutboundJob.objects.get(kind=PUSH_STOCK, group_key=f"account:{accounts['amazon'].pk}")
    assert job.state == "pending" and job.retries_used == 0
    run_due_jobs(PUSH_STOCK, now=timezone.now() + timedelta(seconds=5))
    assert _pq("A", accounts["amazon"]).published_quantity == 6


def test_a_newer_quantity_supersedes_an_older_pending_one(accounts, recorders):
    set_level("A", 11)
    reallocate_and_enqueue({"A": 11})  # job 1 pending: amazon 6
    set_level("A", 21)
    reallocate_and_enqueue({"A": 21})  # job 2: amazon 12
    assert OutboundJob.objects.filter(kind=PUSH_STOCK, state="pending").count() == 4
    run_pushes()
    assert recorders["amazon"].calls == [[("A", 12)]]  # one call, the newest quantity only
    assert recorders["ebay"].calls == [[("A", 10)]]


def test_only_changed_quantities_are_pushed(accounts, recorders):
    for sku in ("A", "B", "C"):
        set_level(sku, 11)
    reallocate_and_enqueue({"A": 11, "B": 11, "C": 11})
    run_pushes()
    for cls in recorders.values():
        cls.calls.clear()
    set_level("B", 3)  # base 2: amazon 1, ebay 1
    result = rebalance_all()
    run_pushes()
    assert result["to_push"] == 2
    assert recorders["amazon"].calls == [[("B", 1)]]
    assert recorders["ebay"].calls == [[("B", 1)]]


def test_scheduled_rebalance_respects_the_editable_interval(accounts):
    from inventory.models import StockPolicy

    set_level("A", 11)
    assert rebalance_if_due() is not None
    assert rebalance_if_due() is None  # 240 minutes not over
    StockPolicy.objects.filter(pk=1).update(last_rebalance_at=timezone.now() - timedelta(minutes=241))
    assert rebalance_if_due() is not None


def test_accounts_without_a_connector_take_no_part_no_target_no_jobs(accounts, recorders):
    """Issue 16: a channel without a connector is left out of the allocation (it used to get a target)."""
    from decimal import Decimal

    from inventory.models import AccountStockPolicy
    from marketplaces.connectors import base as connector_base
    from marketplaces.models import MarketplaceAccount

    connector_base.unregister_connector("mirakl")  # for this test only (tests/plugins/registries.py)
    mirakl = MarketplaceAccount.objects.create(channel="mirakl", name="Mirakl shop")
    AccountStockPolicy.objects.create(account=mirakl, ratio=Decimal("0.2"))
    set_level("A", 11)
    reallocate_and_enqueue({"A": 11})
    assert not PublishedQuantity.objects.filter(account=mirakl).exists()
    assert not OutboundJob.objects.filter(group_key=f"account:{mirakl.pk}").exists()
    assert _pq("A", accounts["amazon"]).target_quantity == 6


def test_pushes_queued_for_an_account_switched_off_are_skipped(accounts, recorders):
    set_level("A", 11)
    reallocate_and_enqueue({"A": 11})
    accounts["ebay"].stock_policy.publish_enabled = False
    accounts["ebay"].stock_policy.save()
    run_pushes()
    assert recorders["ebay"].calls == [] and recorders["amazon"].calls == [[("A", 6)]]
    job = OutboundJob.objects.get(kind=PUSH_STOCK, group_key=f"account:{accounts['ebay'].pk}")
    assert job.state == "succeeded" and "skipped" in job.result
