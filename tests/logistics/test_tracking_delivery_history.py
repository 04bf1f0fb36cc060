"""The delivered email is never lost: a delivery is decided from the whole history a push carries, whatever
the order in which pushes arrive or are processed by several workers (issue 9, point 1)."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_server.crypto import lookup_hash
from logistics.models import TrackedShipment
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from logistics.tracking.status_map import map_status
from logistics.tracking.track17 import parse_push
from notifications.models import Notification
from tests.concurrency import run_concurrently
from tests.plugins.notifications import drain, post_17track, push_body, recent

pytestmark = pytest.mark.usefixtures("anymail_test_backend")

# (main, sub, hours ago): the parcel's life; an exception is reported after the delivery
LIFE = [
    ("InfoReceived", "InfoReceived", 50),
    ("InTransit", "InTransit_PickedUp", 40),
    ("Exception", "Exception_Delayed", 30),
    ("OutForDelivery", "OutForDelivery_Other", 10),
    ("Delivered", "Delivered_Other", 6),
    ("Exception", "Exception_Damage", 2),
]
DELIVERED_INDEX = 4


def _update(number: str, index: int, now) -> TrackingUpdate:
    """The push that reports LIFE[index]: like 17TRACK's, it carries the history up to that event."""
    main, sub, hours = LIFE[index]
    delivered = index >= DELIVERED_INDEX
    return TrackingUpdate(
        number=number,
        status=map_status(main, sub),
        provider_status=main,
        provider_sub_status=sub,
        event_at=now - timedelta(hours=hours),
        delivered_at=now - timedelta(hours=LIFE[DELIVERED_INDEX][2]) if delivered else None,
    )


def _shipment(number: str, **extra) -> TrackedShipment:
    return TrackedShipment.objects.create(
        tracking_number=number,
        recipient_email=f"{number.lower()}@example.com",
        email_hash=lookup_hash(f"{number.lower()}@example.com"),
        order_number=f"#{number}",
        registration=TrackedShipment.Registration.REGISTERED,
        **extra,
    )


def _assert_truthful(number: str, arrived: set[int]):
    shipment = TrackedShipment.objects.get(tracking_number=number)
    records = list(Notification.objects.filter(tracking_number=number))
    confirms = [r for r in records if r.kind == "delivery_confirm"]
    if any(i >= DELIVERED_INDEX for i in arrived):
        assert shipment.status == "delivered"
        assert len(confirms) == 1 and confirms[0].state != "suppressed"
        # no exception email for the event after the delivered time
        damage = [r for r in records if r.tracking_status == "alert" and r.event_at > shipment.delivered_at]
        assert all(r.state == "suppressed" for r in damage)
    else:
        assert confirms == []
    keys = [r.dedupe_key for r in records]
    assert len(keys) == len(set(keys))


@pytest.mark.django_db
def test_exception_push_after_delivery_processed_first_still_sends_the_delivery_email(
    client, shop, tracking_account, anymail_test_backend
):
    number = "1ZHIST0001"
    _shipment(number, shop=shop)
    delivered_at, damaged_at = recent(3), recent(1)
    history = [
        ("InTransit", "InTransit_PickedUp", recent(30)),
        ("Delivered", "Delivered_Other", delivered_at),
    ]
    # the later exception push is processed before the Delivered push (another worker was slower)
    post_17track(client, push_body(number, "Exception", "Exception_Damage", at=damaged_at, history=history))
    drain()
    post_17track(client, push_body(number, "Delivered", at=delivered_at, history=history[:1]))
    drain()
    shipment = TrackedShipment.objects.get(tracking_number=number)
    assert shipment.status == "delivered"
    assert abs((shipment.delivered_at - delivered_at).total_seconds()) < 1
    sent = {r.kind: r.state for r in Notification.objects.all()}
    assert sent == {"delivery_confirm": "sent"}
    assert len(anymail_test_backend) == 1


@pytest.mark.django_db
def test_exception_after_delivery_never_moves_a_delivered_shipment_back_to_polling(shop, tracking_account):
    number = "1ZHIST0002"
    _shipment(number, shop=shop)
    now = timezone.now()
    apply_tracking_updates([_update(number, DELIVERED_INDEX, now)], now=now)
    counts = apply_tracking_updates([_update(number, DELIVERED_INDEX + 1, now)], now=now)
    assert counts["after_delivery"] == 1
    shipment = TrackedShipment.objects.get(tracking_number=number)
    assert shipment.status == "delivered"
    assert not Notification.objects.filter(kind="exception_alert").exclude(state="suppressed").exists()


def test_the_delivered_time_is_read_from_the_history_of_a_later_push():
    delivered_at = recent(5)
    body = push_body(
        "1ZHIST0003",
        "Exception",
        "Exception_Returning",
        at=recent(1),
        history=[("Delivered", "Delivered_Other", delivered_at)],
    )
    [update] = parse_push(json.loads(body))
    assert update.status == "returning"
    assert abs((update.delivered_at - delivered_at).total_seconds()) < 1
    [no_delivery] = parse_push(json.loads(push_body("1ZHIST0003", "InTransit", at=recent(1))))
    assert no_delivery.delivered_at is None


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.lists(st.sampled_from(range(len(LIFE))), min_size=1, max_size=10))
def test_property_any_arrival_order_with_history(order):
    now = timezone.now()
    try:
        with transaction.atomic():
            _shipment("1ZPROPH01")
            for index in order:
                apply_tracking_updates([_update("1ZPROPH01", index, now)], now=now)
            _assert_truthful("1ZPROPH01", set(order))
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_property_two_or_more_workers_racing_on_shuffled_pushes(seed):
    """Each worker applies its share of the pushes one by one (as claimed jobs would), all at once."""
    rng = random.Random(seed)
    now = timezone.now()
    numbers = [f"1ZRACE{seed}{i:03d}" for i in range(20)]
    for number in numbers:
        _shipment(number)
    pushes = [(n, i) for n in numbers for i in range(len(LIFE)) if rng.random() < 0.8 or i >= DELIVERED_INDEX]
    pushes += [rng.choice(pushes) for _ in range(len(pushes) // 3)]  # repeated deliveries
    rng.shuffle(pushes)
    workers = 2 + seed % 2

    def worker(share):
        def run():
            for number, index in share:
                apply_tracking_updates([_update(number, index, now)], now=now)

        return run

    run_concurrently(*[worker(pushes[w::workers]) for w in range(workers)])
    for number in numbers:
        _assert_truthful(number, {i for n, i in pushes if n == number})
    assert Notification.objects.filter(kind="delivery_confirm").count() == len(numbers)
