"""Property: whatever the order in which a parcel's pushes arrive (and however often), it ends in the newest
status, gets one delivery_confirm, and no exception email is created once it is delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.models import TrackedShipment
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from logistics.tracking.status_map import map_status
from notifications.models import Notification

EVENTS = [  # (main, sub, hours ago)
    ("InfoReceived", "InfoReceived", 50),
    ("InTransit", "InTransit_PickedUp", 40),
    ("Exception", "Exception_Delayed", 30),
    ("OutForDelivery", "OutForDelivery_Other", 10),
    ("DeliveryFailure", "DeliveryFailure_NoBody", 8),
    ("Delivered", "Delivered_Other", 2),
]


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.lists(st.sampled_from(range(len(EVENTS))), min_size=1, max_size=12))
def test_any_arrival_order(order):
    now = timezone.now()
    try:
        with transaction.atomic():
            shipment = TrackedShipment.objects.create(
                tracking_number="1ZPROP01", recipient_email="p@example.com", order_number="#1"
            )
            for index in order:
                main, sub, hours = EVENTS[index]
                update = TrackingUpdate(
                    number="1ZPROP01",
                    status=map_status(main, sub),
                    provider_status=main,
                    provider_sub_status=sub,
                    event_at=now - timedelta(hours=hours),
                )
                apply_tracking_updates([update], now=now)
            shipment.refresh_from_db()
            newest = min(order, key=lambda i: EVENTS[i][2])
            assert shipment.provider_status == EVENTS[newest][0]
            records = list(Notification.objects.order_by("id"))
            keys = [r.dedupe_key for r in records]
            assert len(keys) == len(set(keys))
            delivered = [r for r in records if r.kind == "delivery_confirm"]
            assert len(delivered) == (1 if 5 in order else 0)
            if delivered:
                later = [r for r in records if r.id > delivered[0].id]
                assert all(r.state == "suppressed" for r in later)
            raise Rollback
    except Rollback:
        pass
