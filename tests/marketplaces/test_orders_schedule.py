"""The scheduled pull: each account on its own interval, one pull per account at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integration_server.models import ScheduleRun
from integration_server.schedules import registered_schedules
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.pull import accounts_due, claim_pull, release_pull
from marketplaces.tasks import pull_account, pull_due_accounts

pytestmark = pytest.mark.django_db


def test_schedules_are_registered():
    names = {s.name: s for s in registered_schedules()}
    assert names["orders-pull"].minutes == 1
    assert names["shipstation-poll"].minutes == 15


def test_due_accounts_follow_their_own_interval(flow):
    _, _, _, account = flow
    now = timezone.now()
    assert accounts_due(now) == [account]
    MarketplaceAccount.objects.filter(pk=account.pk).update(last_pull_at=now - timedelta(minutes=3))
    assert accounts_due(now) == []
    MarketplaceAccount.objects.filter(pk=account.pk).update(pull_interval_minutes=2)
    assert accounts_due(now) == [account]


def test_a_running_pull_holds_the_account(flow):
    _, amz, _, account = flow
    amz.add_order()
    holder = claim_pull(account)
    assert holder
    assert not claim_pull(account)
    assert pull_account(account.pk) == "a pull of this account is already running"
    assert accounts_due() == []
    release_pull(account, holder)
    assert "1 new" in pull_account(account.pk)
    account.refresh_from_db()
    assert account.pull_lease_until is None


def test_the_schedule_pulls_due_accounts(flow):
    _, amz, _, account = flow
    amz.add_order()
    assert pull_due_accounts() == {"dispatched": 1}  # django-q2 sync mode runs the pull inline
    assert Order.objects.count() == 1
    assert ScheduleRun.objects.get(name="orders-pull").last_success_at is not None
