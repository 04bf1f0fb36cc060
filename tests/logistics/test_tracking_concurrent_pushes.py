"""Exactly once under concurrency: workers applying the same push at the same moment make one email."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from integration_server.models import OutboundJob
from logistics.models import TrackedShipment
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from notifications.models import Notification
from tests.notifications.support import recent


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_create_one_notification():
    TrackedShipment.objects.create(
        tracking_number="1ZPAR0001", recipient_email="p@example.com", order_number="#1"
    )
    update = TrackingUpdate(
        number="1ZPAR0001", status="delivered", provider_status="Delivered", event_at=recent()
    )
    barrier = threading.Barrier(6)
    errors = []

    def worker():
        try:
            barrier.wait()
            apply_tracking_updates([update])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Notification.objects.filter(kind="delivery_confirm").count() == 1
    assert OutboundJob.objects.filter(kind="notifications.send_email").count() == 1
