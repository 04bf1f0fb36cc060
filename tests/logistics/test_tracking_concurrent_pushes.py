"""Exactly once under concurrency: workers applying the same push at the same moment make one email."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob
from logistics.models import TrackedShipment
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from notifications.models import Notification
from tests.concurrency import run_concurrently
from tests.plugins.notifications import recent


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_create_one_notification():
    TrackedShipment.objects.create(
        tracking_number="1ZPAR0001", recipient_email="p@example.com", order_number="#1"
    )
    update = TrackingUpdate(
        number="1ZPAR0001", status="delivered", provider_status="Delivered", event_at=recent()
    )
    run_concurrently(*[lambda: apply_tracking_updates([update])] * 6)
    assert Notification.objects.filter(kind="delivery_confirm").count() == 1
    assert OutboundJob.objects.filter(kind="notifications.send_email").count() == 1
