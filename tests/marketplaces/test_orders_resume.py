"""Resumable order pulls: Amazon's searchOrders allows 20 pages in a burst, then one per ~3 min. A scheduled
pull stopped by the rate budget keeps the pages it stored and a checkpoint (window + next page token); the
next run continues from it, and the watermark moves only when the window is complete."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from marketplaces.connectors import amazon as amazon_connector
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.pull import PullPaused, pull_orders
from marketplaces.tasks import pull_account

pytestmark = pytest.mark.django_db

SEARCH = "/orders/2026-01-01/orders"
ORDERS = 50  # 25 pages of 2


@pytest.fixture
def backlog(flow, monkeypatch):
    """An account 6 h behind (an outage) with 25 pages of orders waiting in the simulator."""
    _, amz, _, account = flow
    monkeypatch.setattr(amazon_connector, "PAGE_SIZE", 2)
    watermark = timezone.now() - timedelta(hours=6)
    MarketplaceAccount.objects.filter(pk=account.pk).update(orders_watermark=watermark)
    ids = [amz.add_order(updated=watermark + timedelta(minutes=i))["orderId"] for i in range(ORDERS)]
    return amz, account, watermark, ids


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _searches(amz):
    return amz.calls("GET", SEARCH)


def _throttled_first_run(amz, account):
    """A scheduled run: the simulator answers 429 to the 21st searchOrders call (its burst is 20)."""
    message = pull_account(account.pk)
    account.refresh_from_db()
    return message


def test_a_throttled_pull_keeps_its_pages_and_the_next_run_resumes_at_page_21(backlog, caplog):
    amz, account, watermark, ids = backlog
    with caplog.at_level(logging.INFO, logger="marketplaces"):
        message = _throttled_first_run(amz, account)

    assert message.startswith(f"{account.name}: Paused (rate budget used up, not an error)")
    assert len(_searches(amz)) == 21  # 20 pages, then the 429
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == set(ids[:40])
    assert account.orders_watermark == watermark  # not moved: the window is not complete
    assert account.pull_checkpoint_since == watermark - timedelta(minutes=10)
    window_end = account.pull_checkpoint_until
    assert window_end > watermark
    token = account.pull_checkpoint_token
    assert token and account.pull_checkpoint_at is not None
    assert (
        account.last_pull_error.startswith("Paused")
        and "resumes from the checkpoint" in account.last_pull_error
    )
    paused = [r for r in caplog.records if r.getMessage() == "orders.pull_paused"]
    assert paused and paused[0].levelno == logging.INFO and paused[0].pages == 20
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("marketplaces")
    ]

    # an order updated after the window end waits for the next window, not this one
    late = amz.add_order(updated=timezone.now() - timedelta(seconds=30))["orderId"]
    amz.reset_limits()  # the budget has refilled by the next run
    message = pull_account(account.pk)

    assert "5 page(s)" in message and "10 new" in message and "resumed" in message
    resumed = _searches(amz)[21:]
    assert len(resumed) == 5
    assert resumed[0].arg("paginationToken") == token  # page 21, from the stored token
    account.refresh_from_db()
    assert account.orders_watermark == window_end  # moved once the window is complete
    assert account.pull_checkpoint_token == "" and account.pull_checkpoint_until is None
    assert account.pull_checkpoint_since is None and account.pull_checkpoint_at is None
    assert account.last_pull_error == ""
    assert Order.objects.count() == ORDERS
    assert not Order.objects.values("marketplace_order_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Order.objects.filter(marketplace_order_id=late).exists()

    pull_account(account.pk)  # the next window starts from the new watermark, less the overlap
    assert _searches(amz)[26].arg("lastUpdatedAfter") == _iso(window_end - timedelta(minutes=10))


def test_each_page_stores_its_orders_with_the_checkpoint(backlog):
    amz, account, _, ids = backlog
    amz.reset_limits({"searchOrders": ("0.0056", 3, 60.0)})
    _throttled_first_run(amz, account)
    assert Order.objects.count() == 6
    # the token stored is the one the 3rd page returned: resuming asks for page 4
    amz.reset_limits({"searchOrders": ("0.0056", 1, 60.0)})
    pull_account(account.pk)
    assert _searches(amz)[4].arg("paginationToken") == account.pull_checkpoint_token
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == set(ids[:8])


def test_an_expired_checkpoint_reads_the_window_again(backlog):
    amz, account, watermark, ids = backlog
    _throttled_first_run(amz, account)
    old_end = account.pull_checkpoint_until
    MarketplaceAccount.objects.filter(pk=account.pk).update(
        pull_checkpoint_at=timezone.now() - timedelta(hours=23, minutes=30)
    )
    amz.reset_limits({"searchOrders": ("0.0056", 100, 60.0)})
    message = pull_account(account.pk)

    restarted = _searches(amz)[21:]
    assert len(restarted) == 25 and restarted[0].arg("paginationToken") is None
    assert restarted[0].arg("lastUpdatedAfter") == (watermark - timedelta(minutes=10)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert "25 page(s)" in message and "10 new" in message and "resumed" not in message
    account.refresh_from_db()
    assert account.orders_watermark > old_end  # a new window, to a new end
    assert account.pull_checkpoint_token == ""
    assert Order.objects.count() == ORDERS


def test_a_token_the_vendor_refuses_reads_the_window_again_in_the_same_run(flow):
    _, amz, _, account = flow
    watermark = timezone.now() - timedelta(hours=1)
    ids = {amz.add_order(updated=watermark + timedelta(minutes=5))["orderId"] for _ in range(3)}
    MarketplaceAccount.objects.filter(pk=account.pk).update(
        orders_watermark=watermark,
        pull_checkpoint_since=watermark - timedelta(minutes=10),
        pull_checkpoint_until=timezone.now() - timedelta(minutes=20),
        pull_checkpoint_token="token-from-a-simulator-restart",
        pull_checkpoint_at=timezone.now() - timedelta(hours=1),
    )
    message = pull_account(account.pk)

    first, second = _searches(amz)
    assert first.arg("paginationToken") == "token-from-a-simulator-restart"
    assert second.arg("paginationToken") is None
    assert "3 new" in message
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == ids
    account.refresh_from_db()
    assert account.pull_checkpoint_token == "" and account.last_pull_error == ""
    assert account.orders_watermark > watermark


def test_a_connector_that_cannot_resume_reads_the_window_again(backlog):
    amz, account, watermark, ids = backlog

    class NoResume(AmazonConnector):
        supports_resume = False

    with pytest.raises(PullPaused) as caught:
        pull_orders(account, connector=NoResume(account))
    assert caught.value.summary.pages == 20
    account.refresh_from_db()
    assert account.pull_checkpoint_token == "" and account.orders_watermark == watermark
    assert "reads the window again" in account.last_pull_error
    assert Order.objects.count() == 40

    amz.reset_limits({"searchOrders": ("0.0056", 100, 60.0)})
    summary = pull_orders(account, connector=NoResume(account))
    assert summary.pages == 25 and summary.result.created == 10 and not summary.resumed
    assert _searches(amz)[21].arg("paginationToken") is None


def test_pull_orders_by_hand_resumes_and_with_since_ignores_the_checkpoint(backlog):
    amz, account, watermark, ids = backlog
    _throttled_first_run(amz, account)
    token = account.pull_checkpoint_token
    amz.reset_limits()

    out = StringIO()
    call_command("pull_orders", "--account", account.name, stdout=out)  # from the watermark: resumes
    assert _searches(amz)[21].arg("paginationToken") == token
    assert "5 page(s)" in out.getvalue() and "(resumed an interrupted pull)" in out.getvalue()
    assert out.getvalue().strip().endswith("Pulled 1 account(s): 10 order(s) seen, 10 new.")
    account.refresh_from_db()
    assert account.pull_checkpoint_token == "" and Order.objects.count() == ORDERS

    # a stored checkpoint does not steer a backfill with --since, which clears it once it covers its window
    MarketplaceAccount.objects.filter(pk=account.pk).update(
        pull_checkpoint_since=watermark,
        pull_checkpoint_until=watermark + timedelta(hours=1),
        pull_checkpoint_token="never-sent",
        pull_checkpoint_at=timezone.now(),
    )
    amz.reset_limits({"searchOrders": ("0.0056", 100, 60.0)})
    before = len(_searches(amz))
    since = _iso(watermark - timedelta(days=1))
    out = StringIO()
    call_command("pull_orders", "--account", account.name, "--since", since, stdout=out)
    backfill = _searches(amz)[before:]
    assert len(backfill) == 25 and all(r.arg("paginationToken") != "never-sent" for r in backfill)
    assert backfill[0].arg("lastUpdatedAfter") == since
    assert "0 new" in out.getvalue() and "failed" not in out.getvalue()
    account.refresh_from_db()
    assert account.pull_checkpoint_token == "" and account.last_pull_error == ""
    assert Order.objects.count() == ORDERS


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs (no except Exception, no release of the lease)."""


def test_a_pull_killed_midway_is_resumed_within_a_minute_from_its_checkpoint(backlog, monkeypatch):
    """The worker holding the pull is killed after storing 10 pages: its lease stops being renewed. A minute
    later the schedule finds the account due again and the pull continues from the checkpoint."""
    from django.db.models import F

    from marketplaces.services import pull as pull_service
    from marketplaces.services.pull import accounts_due, claim_pull

    amz, account, watermark, ids = backlog
    real_ingest, pages = pull_service.ingest_orders, []

    def ingest_then_die(acct, orders):
        if len(pages) == 10:
            raise Killed
        pages.append(1)
        return real_ingest(acct, orders)

    monkeypatch.setattr(pull_service, "ingest_orders", ingest_then_die)
    assert claim_pull(account)  # the worker that will be killed
    with pytest.raises(Killed):
        pull_orders(account)
    monkeypatch.setattr(pull_service, "ingest_orders", real_ingest)
    assert Order.objects.count() == 20
    # a minute passes without a heartbeat from the dead holder
    MarketplaceAccount.objects.filter(pk=account.pk).update(
        pull_lease_until=F("pull_lease_until") - timedelta(seconds=60)
    )
    assert accounts_due() == [account]
    amz.reset_limits()
    message = pull_account(account.pk)
    assert "resumed an interrupted pull" in message, message
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == set(ids)


def test_a_live_pull_renews_its_lease_with_a_heartbeat_and_only_its_holder_releases_it(flow):
    from marketplaces.services.pull import claim_pull, release_pull, renew_pull

    _, _, _, account = flow
    holder = claim_pull(account)
    assert holder and not claim_pull(account)
    account.refresh_from_db()
    first = account.pull_lease_until
    assert first <= timezone.now() + timedelta(seconds=60)  # a short lease, kept alive by the holder
    assert account.pull_lease_holder == holder
    assert renew_pull(account.pk, holder)
    assert not renew_pull(account.pk, "someone-else")
    release_pull(account, "someone-else")
    account.refresh_from_db()
    assert account.pull_lease_holder == holder
    release_pull(account, holder)
    account.refresh_from_db()
    assert account.pull_lease_until is None and not account.pull_lease_holder


def test_a_5xx_on_one_page_of_a_pull_is_retried_within_the_run_from_the_checkpoint(backlog, monkeypatch):
    import ast

    from django_q.models import Schedule

    from integration_server.http.errors import RetryableError
    from marketplaces.services import pull as pull_service

    amz, account, watermark, ids = backlog
    amz.reset_limits({"searchOrders": ("0.0056", 1000, 60.0)})
    real_ingest, pages = pull_service.ingest_orders, []

    def ingest_with_a_500_on_page_6(acct, orders):
        pages.append(1)
        if len(pages) == 6:
            raise RetryableError("GET /orders failed", vendor="amazon", status=500)
        return real_ingest(acct, orders)

    monkeypatch.setattr(pull_service, "ingest_orders", ingest_with_a_500_on_page_6)
    with pytest.raises(RetryableError):
        pull_account(account.pk)
    assert Order.objects.count() == 10  # 5 pages kept
    (retry,) = Schedule.objects.filter(func="marketplaces.tasks.pull_account", schedule_type=Schedule.ONCE)
    assert retry.next_run <= timezone.now() + timedelta(seconds=31)  # the outbox's first delay, not 5 min

    message = pull_account(*ast.literal_eval(retry.args))

    assert "resumed an interrupted pull" in message
    assert set(Order.objects.values_list("marketplace_order_id", flat=True)) == set(ids)
