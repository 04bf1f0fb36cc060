"""A scheduled poll and a push (or two overlapping polls) carrying the same orders at the same time: the
(reference_no, status) rows and the tracked parcels exist once. Items built from the reference page's field
table (no official fixture exists)."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob
from logistics.eccang.services import process_orders
from logistics.models import EccangAccount, EccangOrderStatus, TrackedShipment
from tests.concurrency import run_concurrently
from tests.plugins.eccang import order_item


@pytest.mark.django_db(transaction=True)
def test_parallel_processing_of_the_same_page_tracks_each_parcel_once(eccang_account, after_sales_rule):
    items = [order_item(f"AS{n}", "S", shipping_method="AS-PARTS") for n in range(30)]

    def worker(via):
        return lambda: process_orders(EccangAccount.objects.get(pk=eccang_account.pk), items, via=via)

    results = run_concurrently(*(worker(via) for via in ("poll", "push", "poll", "push")), timeout=30)
    assert sorted(r.new for r in results) == [0, 0, 0, 30]
    assert EccangOrderStatus.objects.count() == 30
    assert TrackedShipment.objects.count() == 30
    assert OutboundJob.objects.filter(kind="tracking.register").count() == 30
