"""The ShipStation poll is retried within its run: a 5xx on one page keeps what was read, and the run is
tried again with the outbox's backoff (30 s, 60 s, ...) from that page, not at the next 15-minute tick."""

from __future__ import annotations

import ast
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from integration_server.http.errors import RetryableError
from logistics.models import ShipStationAccount, ShipStationShipment
from logistics.shipstation import client as shipstation_client
from logistics.shipstation.tasks import poll_shipments
from marketplaces.services.pull import pull_orders

pytestmark = pytest.mark.django_db


def _retry_schedules(func: str):
    return list(Schedule.objects.filter(func=func, schedule_type=Schedule.ONCE))


def test_a_500_on_one_poll_page_is_retried_within_the_run_from_that_page(
    flow, monkeypatch, django_capture_on_commit_callbacks
):
    ss, amz, _, account = flow
    for n in range(3):
        amz.add_order(f"114-0000000-000000{n}")
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    for n in range(3):
        ss.ship_order(f"amazon:114-0000000-000000{n}", notify=False)
    monkeypatch.setattr(shipstation_client, "PAGE_SIZE", 1)  # 3 pages of shipments
    ss.fail_next("GET", "/shipments", status=500, skip=1)  # page 2 fails once

    with pytest.raises(RetryableError):
        poll_shipments()
    assert ShipStationShipment.objects.count() == 1  # page 1 is kept
    ss_account = ShipStationAccount.objects.get()
    assert ss_account.shipments_watermark is None and "500" in ss_account.last_poll_error
    (retry,) = _retry_schedules("logistics.shipstation.tasks.poll_shipments")
    assert timezone.now() + timedelta(seconds=25) < retry.next_run <= timezone.now() + timedelta(seconds=31)

    poll_shipments(*ast.literal_eval(retry.args))  # the retry, run by django-q at its time

    assert ShipStationShipment.objects.count() == 3
    pages = [c.query.get("page") for c in ss.calls("GET", "/shipments")]
    assert pages == [["1"], ["2"], ["2"], ["3"]]  # resumed at page 2: page 1 not read again
    ss_account.refresh_from_db()
    assert ss_account.shipments_watermark is not None and not ss_account.last_poll_error
