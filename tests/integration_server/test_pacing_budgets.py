"""Pacing against vendor budgets: a rolling window never exceeded by all callers of a key together, the
vendor's X-Rate-Limit-Remaining/Reset tightening it, and a bucket re-based when the vendor announces a rate."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from integration_server.http import pacing
from integration_server.models import RateLimitBucket
from tests.concurrency import run_concurrently


def _max_in_any_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.django_db(transaction=True)
def test_four_processes_never_book_more_than_40_calls_in_any_60_s_window():
    def caller():
        return [pacing.book("shipstation:win", per_minute=40, window_seconds=60)[0] for _ in range(30)]

    booked = sum(run_concurrently(caller, caller, caller, caller), [])
    assert len(booked) == 120
    assert _max_in_any_window(booked) == 40
    assert max(booked) - min(booked) >= 120  # the budget is used, not wasted: 3 windows for 120 calls


@pytest.mark.django_db
def test_no_burst_on_top_of_the_rate_in_a_window():
    booked = [pacing.book("shipstation:burst", per_minute=40, window_seconds=60) for _ in range(41)]
    assert [wait for _, wait in booked[:40]] == [0.0] * 40
    assert booked[40][0] == pytest.approx(booked[0][0] + 60)


@pytest.mark.django_db
def test_remaining_and_reset_answered_by_the_vendor_tighten_the_window():
    """Another caller of the key (not paced by us) used the budget: ShipStation says 2 left, reset in 20 s."""
    key = "shipstation:shared"
    assert pacing.reserve(key, per_minute=40, window_seconds=60) == 0
    pacing.observe_remaining(key, limit=40, remaining=2, reset_seconds=20, window_seconds=60)
    assert pacing.reserve(key, per_minute=40, window_seconds=60) == 0
    assert pacing.reserve(key, per_minute=40, window_seconds=60) == 0
    at, _ = pacing.book(key, per_minute=40, window_seconds=60)
    assert at >= time.time() + 18  # no call before the vendor's window resets (in 20 s)


@pytest.mark.django_db
def test_a_bucket_paced_at_a_slow_documented_rate_is_re_based_when_the_vendor_announces_a_faster_one():
    key = "amazon:1:searchOrders"
    documented, announced = 0.0056 * 60, 60.0
    assert pacing.reserve(key, per_minute=documented, burst=20) == 0  # 178 s booked at the documented rate
    # the vendor said 1/s: the other 19 calls of the burst are free, the 21st waits a second at most
    waits = [pacing.reserve(key, per_minute=announced, burst=20) for _ in range(20)]
    assert waits[:19] == [0.0] * 19
    assert waits[19] <= 1.0
    bucket = RateLimitBucket.objects.get(key=key)
    assert bucket.next_free_at < timezone.now() + timedelta(seconds=25)


@responses.activate
@pytest.mark.django_db
def test_the_shipstation_client_reads_the_rate_headers_of_every_answer(settings):
    from logistics.models import ShipStationAccount
    from logistics.shipstation.client import ShipStationClient

    settings.HTTP_PACING_ENABLED = True
    settings.HTTP_MAX_PACING_SLEEP_SECONDS = 5
    account = ShipStationAccount.objects.create(name="ss", api_key="k", api_secret="s")
    headers = {"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "30"}
    responses.get("https://ssapi.shipstation.com/stores", json=[], headers=headers)
    client = ShipStationClient(account)
    client.list_stores()
    with pytest.raises(pacing_throttled()) as info:
        client.list_stores()
    assert 29 < info.value.wait_seconds <= 30
    assert len(responses.calls) == 1


def pacing_throttled():
    from integration_server.http.errors import ThrottledError

    return ThrottledError
