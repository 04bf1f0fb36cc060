"""Amazon pacing: the documented searchOrders rate (0.0056/s, burst 20) is what we start with, and the rate
Amazon announces (x-amzn-RateLimit-Limit) replaces it at once: a faster vendor limit makes the pull faster."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from integration_server.http import pacing
from marketplaces.connectors import amazon as amazon_connector
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.tasks import pull_account

pytestmark = pytest.mark.django_db


class FakeClock:
    """The pacer's clock and sleeps: a sleep moves time on instead of passing it."""

    def __init__(self):
        self.offset = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.offset)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds


@pytest.fixture
def fake_clock(monkeypatch, settings):
    settings.HTTP_PACING_ENABLED = True
    clock = FakeClock()

    class _Tz:
        now = staticmethod(clock.now)

    monkeypatch.setattr(pacing, "timezone", _Tz)
    monkeypatch.setattr(pacing.time, "sleep", clock.sleep)
    return clock


def test_with_an_announced_rate_of_1_per_s_600_orders_are_pulled_in_one_run(flow, fake_clock, monkeypatch):
    _, amz, _, account = flow
    amz.reset_limits({"searchOrders": ("1", 10_000, 1.0)})  # Amazon says 1/s (the simulator does not refuse)
    monkeypatch.setattr(amazon_connector, "PAGE_SIZE", 10)  # 60 pages
    watermark = timezone.now() - timedelta(hours=6)
    MarketplaceAccount.objects.filter(pk=account.pk).update(orders_watermark=watermark)
    for i in range(600):
        amz.add_order(updated=watermark + timedelta(seconds=20 + i))

    message = pull_account(account.pk)

    assert "Paused" not in message, message
    assert Order.objects.count() == 600
    account.refresh_from_db()
    assert account.orders_watermark > watermark and not account.pull_checkpoint_token
    assert len(amz.calls("GET", "/orders/2026-01-01/orders")) == 60
    # 20 in the burst, then one a second: about 40 s of pacing, not 178 s per page
    assert sum(fake_clock.slept) < 45
