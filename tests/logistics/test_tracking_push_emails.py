"""17TRACK pushes on /webhook/17track -> statuses -> exception / delivered emails, exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from integration_server.models import RawPayload
from logistics.models import TrackedShipment, TrackingUpdateLog
from logistics.tracking.signature import push_signature, signature_matches
from logistics.tracking.track17 import parse_push
from notifications.models import Notification
from tests.conftest import load_fixture
from tests.logistics.factories import TrackedShipmentFactory
from tests.plugins.notifications import TRACK17_KEY, drain, fixture_bytes, post_17track, push_body, recent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]

FIXTURE_NUMBER = "1Z2617V10397725789"


@pytest.fixture
def shipment(db, shop, tracking_account):
    return TrackedShipmentFactory(
        tracking_number="1ZTEST0001",
        shop=shop,
        order_number="#1001",
        items=[{"sku": "SKU-1", "title": "Aviator sunglasses", "quantity": 1}],
        registration=TrackedShipment.Registration.REGISTERED,
    )


def test_the_fixture_push_parses_to_a_delivered_update():
    payload = load_fixture("17track/webhook_tracking_updated.sample.json")
    [update] = parse_push(payload)
    assert update.number == FIXTURE_NUMBER
    assert update.status == "delivered"
    assert (update.provider_status, update.provider_sub_status) == ("Delivered", "Delivered_Other")
    assert update.event_at.isoformat() == "2022-04-04T23:35:22+00:00"
    assert update.carrier_code == "3011"  # data.carrier as given, not the provider key 100002


def test_signature_is_sha256_of_raw_bytes_slash_key():
    body = fixture_bytes("17track/webhook_tracking_updated.sample.json")
    sign = push_signature(body, "k")
    assert signature_matches(body, sign.upper(), ["k"])
    assert not signature_matches(body, sign, ["other"])
    # re-serialising the tab-indented fixture changes the bytes, so the signature no longer matches
    assert not signature_matches(json.dumps(json.loads(body)).encode(), sign, ["k"])


def test_fixture_push_with_valid_signature_is_processed_and_stale_event_sends_nothing(
    client, shop, tracking_account, anymail_test_backend
):
    TrackedShipment.objects.create(
        tracking_number=FIXTURE_NUMBER, shop=shop, recipient_email="jon@example.com", order_number="#9"
    )
    body = fixture_bytes("17track/webhook_tracking_updated.sample.json")
    response = post_17track(client, body)
    assert response.status_code == 200
    drain()
    shipment = TrackedShipment.objects.get(tracking_number=FIXTURE_NUMBER)
    assert shipment.status == "delivered"
    assert shipment.delivered_at.isoformat() == "2022-04-04T23:35:22+00:00"
    # the event is from 2022: older than 7 days -> a suppressed record says why, no email
    record = Notification.objects.get()
    assert record.kind == "delivery_confirm" and record.state == "suppressed"
    assert "older than 7 days" in record.error
    assert anymail_test_backend == []


@pytest.mark.parametrize("tamper", ["body", "header", "missing", "other_key"])
def test_tampered_push_gets_401_and_stores_nothing(client, shipment, tamper):
    body = push_body(shipment.tracking_number, "Delivered", at=recent())
    sign = push_signature(body, TRACK17_KEY)
    if tamper == "body":
        body = body.replace(b"Delivered", b"Exception", 1)
    elif tamper == "header":
        sign = sign[:-2] + ("00" if not sign.endswith("00") else "11")
    elif tamper == "missing":
        sign = ""
    else:
        sign = push_signature(body, "not-the-key")
    response = post_17track(client, body, sign=sign)
    assert response.status_code == 401
    assert RawPayload.objects.count() == 0
    assert Notification.objects.count() == 0


def test_five_copies_of_one_push_send_one_delivery_confirm(client, shipment, anymail_test_backend):
    body = push_body(shipment.tracking_number, "Delivered", at=recent())
    answers = [post_17track(client, body).json()["status"] for _ in range(5)]
    assert answers == ["accepted"] + ["duplicate"] * 4
    drain()
    # the same status again from another body (a poll answer, a re-push with a new description)
    post_17track(client, push_body(shipment.tracking_number, "Delivered", at=recent(), description="again"))
    drain()
    records = Notification.objects.filter(kind="delivery_confirm")
    assert records.count() == 1
    record = records.get()
    assert record.state == "sent"
    assert record.dedupe_key == f"delivery_confirm:{shipment.tracking_number}"
    assert len(anymail_test_backend) == 1
    message = anymail_test_backend[0]
    assert message.to == ["jon@example.com"]
    assert "https://reviews.example/fiido" in message.body
    assert "#1001" in message.subject
    assert message.alternatives and "Write a review" in message.alternatives[0][0]


def test_delivered_before_in_transit_yields_one_confirm_and_no_exception_after(
    client, shipment, anymail_test_backend
):
    number = shipment.tracking_number
    post_17track(client, push_body(number, "Delivered", at=recent(1)))
    drain()
    post_17track(client, push_body(number, "InTransit", "InTransit_Arrival", at=recent(20)))  # older
    drain()
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    assert TrackingUpdateLog.objects.filter(shipment=shipment, stale=True).count() == 1
    # an exception reported after delivery sends nothing
    post_17track(client, push_body(number, "Exception", "Exception_Damage", at=recent(0.5)))
    drain()
    kinds = dict(Notification.objects.values_list("kind", "state"))
    assert kinds == {"delivery_confirm": "sent", "exception_alert": "suppressed"}
    assert Notification.objects.get(kind="exception_alert").error == "the parcel was already delivered"
    assert [m.subject for m in anymail_test_backend] == [
        "Fiido Test: your order #1001 was delivered. How did it go?"
    ]


def test_each_exception_status_is_emailed_once(client, shipment, anymail_test_backend):
    number = shipment.tracking_number
    pushes = [
        ("Exception", "Exception_Delayed", 30),
        ("Exception", "Exception_Delayed", 29),  # same status, later event: no second email
        ("DeliveryFailure", "DeliveryFailure_NoBody", 20),
        ("Exception", "Exception_Returning", 10),
        ("Exception", "Exception_Returned", 5),
    ]
    for status, sub, hours in pushes:
        post_17track(client, push_body(number, status, sub, at=recent(hours)))
    drain()
    assert sorted(Notification.objects.values_list("tracking_status", flat=True)) == [
        "alert",
        "delivery_failure",
        "returned",
        "returning",
    ]
    assert Notification.objects.filter(state="sent").count() == 4
    assert len(anymail_test_backend) == 4
    assert "problem with the delivery" in anymail_test_backend[0].subject


def test_the_database_refuses_a_duplicate_notification(shipment):
    Notification.objects.create(
        kind="delivery_confirm", dedupe_key=f"delivery_confirm:{shipment.tracking_number}"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            kind="delivery_confirm", dedupe_key=f"delivery_confirm:{shipment.tracking_number}"
        )


def test_unknown_numbers_and_other_events_change_nothing(client, shipment):
    body = push_body("NOT-OURS-123", "Delivered", at=recent())
    assert post_17track(client, body).status_code == 200
    stopped = json.dumps({"event": "TRACKING_STOPPED", "data": {"number": shipment.tracking_number}}).encode()
    assert post_17track(client, stopped).status_code == 200
    drain()
    assert Notification.objects.count() == 0
    assert RawPayload.objects.get(kind="TRACKING_STOPPED").state == "ignored"


def test_many_pushes_in_one_batch_use_a_fixed_number_of_queries(shipment, django_assert_max_num_queries):
    from logistics.tracking.provider import TrackingUpdate
    from logistics.tracking.services import apply_tracking_updates

    numbers = [f"1ZBATCH{i:04d}" for i in range(30)]
    TrackedShipment.objects.bulk_create(
        [
            TrackedShipment(tracking_number=n, recipient_email="a@example.com", shop=shipment.shop)
            for n in numbers
        ]
    )
    when = timezone.now() - timedelta(hours=1)
    updates = [
        TrackingUpdate(number=n, status="delivered", provider_status="Delivered", event_at=when)
        for n in numbers
    ]
    with django_assert_max_num_queries(12):
        counts = apply_tracking_updates(updates)
    assert counts["applied"] == 30
    assert Notification.objects.filter(kind="delivery_confirm", state="pending").count() == 30


def test_out_of_order_pushes_in_one_batch_end_delivered(client, shipment, anymail_test_backend):
    number = shipment.tracking_number
    for status, sub, hours in [
        ("Delivered", None, 1),
        ("Exception", "Exception_Delayed", 5),
        ("InTransit", None, 9),
    ]:
        post_17track(client, push_body(number, status, sub, at=recent(hours)))
    drain()  # the three pushes are claimed and applied together, oldest first
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    assert dict(Notification.objects.values_list("kind", "state")) == {
        "delivery_confirm": "sent",
        "exception_alert": "suppressed",  # already delivered when we learnt of it
    }
    assert len(anymail_test_backend) == 1


def test_a_push_that_does_not_parse_fails_alone_in_its_batch(shipment, anymail_test_backend):
    from integration_server.outbox import enqueue_job
    from integration_server.raw_payloads import store_raw_payload

    good, _ = store_raw_payload("17track", push_body(shipment.tracking_number, "Delivered", at=recent()))
    bad, _ = store_raw_payload("17track", b'{"event": "TRACKING_UPDATED", "data": "oops"}')
    for raw in (bad, good):
        enqueue_job("webhook.17track", {"raw_payload_id": raw.pk}, dedupe_key=f"raw:{raw.pk}")
    drain()
    assert dict(RawPayload.objects.values_list("pk", "state")) == {good.pk: "processed", bad.pk: "failed"}
    assert Notification.objects.get().state == "sent"
