"""Issue 10 point 12: the Twilio Account SID stays out of rate-limit keys, logs and errors; the MTA's answer
and the carriers' event descriptions are stored encrypted (existing rows encrypted by the migration)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import responses
from django.db import connection

from alerts.clients.twilio import TwilioClient
from integration_server.http.errors import RetryableError
from integration_server.migration_helpers import encrypt_plaintext_values
from logistics.models import TrackedShipment, TrackingUpdateLog
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from notifications.models import NotificationEvent

SID = "AC0123456789abcdef0123456789abcdef"
URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def _raw(model, field: str, pk: int) -> str:
    with connection.cursor() as cursor:
        column = model._meta.get_field(field).column
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@responses.activate
def test_twilio_sid_is_not_in_the_rate_key_logs_or_errors(caplog, settings):
    settings.HTTP_PACING_ENABLED = False
    client = TwilioClient(SID, "token", from_number="+15550001111")
    assert SID not in client.rate_key and client.rate_key.startswith("twilio:sid-")
    assert TwilioClient(SID, "other", from_number="+1").rate_key == client.rate_key  # one bucket per account
    responses.add(responses.POST, URL, json={"sid": "SM1", "status": "queued"}, status=201)
    responses.add(responses.POST, URL, json={"code": 20500, "message": "oops"}, status=500)
    with caplog.at_level(logging.INFO):
        assert client.send_sms("+15550002222", "hello").sid == "SM1"
        with pytest.raises(RetryableError) as failure:
            client.send_sms("+15550002222", "hello")
    assert SID not in str(failure.value)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "http.call" in logged and SID not in logged
    assert responses.calls[0].request.url == URL  # the call itself still goes to the account's URL


@pytest.mark.django_db
def test_mta_response_is_stored_encrypted():
    row = NotificationEvent.objects.create(
        event_type="bounced", message_id="m1", mta_response="550 no such user lee"
    )
    assert _raw(NotificationEvent, "mta_response", row.pk).startswith("enc1:")
    assert NotificationEvent.objects.get(pk=row.pk).mta_response == "550 no such user lee"


@pytest.mark.django_db
def test_carrier_descriptions_are_stored_encrypted():
    shipment = TrackedShipment.objects.create(tracking_number="1ZENC0001", order_number="#1")
    apply_tracking_updates(
        [
            TrackingUpdate(
                number="1ZENC0001",
                status="delivered",
                provider_status="Delivered",
                event_at=datetime.now(UTC),
                description="Delivered, signed by LEE EXAMPLE",
            )
        ],
        now=datetime.now(UTC),
    )
    shipment.refresh_from_db()
    log_row = TrackingUpdateLog.objects.get(shipment=shipment)
    assert log_row.description == "Delivered, signed by LEE EXAMPLE"
    assert _raw(TrackingUpdateLog, "description", log_row.pk).startswith("enc1:")
    assert "LEE" not in _raw(TrackedShipment, "status_description", shipment.pk)


@pytest.mark.django_db
def test_migration_helper_encrypts_rows_left_in_plaintext():
    shipment = TrackedShipment.objects.create(tracking_number="1ZENC0002", order_number="#2")
    row = TrackingUpdateLog.objects.create(shipment=shipment, status="in_transit", via="push")
    with connection.cursor() as cursor:  # a row written before the field was encrypted
        cursor.execute(
            f"UPDATE {TrackingUpdateLog._meta.db_table} SET description = %s WHERE id = %s",  # noqa: S608
            ["Left with JO NEIGHBOUR", row.pk],
        )
    assert encrypt_plaintext_values(TrackingUpdateLog, "description") == 1
    assert _raw(TrackingUpdateLog, "description", row.pk).startswith("enc1:")
    assert TrackingUpdateLog.objects.get(pk=row.pk).description == "Left with JO NEIGHBOUR"
    assert encrypt_plaintext_values(TrackingUpdateLog, "description") == 0  # idempotent
