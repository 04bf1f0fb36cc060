import logging

import pytest
import requests
import responses

from integration_server.http import pacing
from integration_server.http.client import ApiClient
from integration_server.http.errors import (
    AuthenticationError,
    PermanentError,
    RetryableError,
    ThrottledError,
)

BASE = "https://api.vendor.test/v1"


class VendorClient(ApiClient):
    vendor = "vendor"

    def auth_headers(self):
        return {"Authorization": "Bearer super-secret-token"}


@responses.activate
@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (429, {"Retry-After": "12"}, ThrottledError),
        (401, {}, AuthenticationError),
        (403, {}, AuthenticationError),
        (400, {}, PermanentError),
        (404, {}, PermanentError),
        (500, {}, RetryableError),
        (503, {}, RetryableError),
    ],
)
def test_status_codes_become_typed_errors(status, headers, error):
    responses.get(f"{BASE}/items", status=status, headers=headers, json={"message": "nope"})
    with pytest.raises(error) as info:
        VendorClient(BASE).get_json("/items")
    if error is ThrottledError:
        assert info.value.wait_seconds == 12
    assert info.value.status == status


@responses.activate
def test_timeouts_and_connection_errors_are_retryable():
    responses.get(f"{BASE}/slow", body=requests.Timeout())
    responses.get(f"{BASE}/down", body=requests.ConnectionError())
    with pytest.raises(RetryableError):
        VendorClient(BASE).get_json("/slow")
    with pytest.raises(RetryableError):
        VendorClient(BASE).get_json("/down")


@responses.activate
def test_call_is_logged_without_secrets_or_query(caplog):
    responses.get(f"{BASE}/items", json={"items": []})
    with caplog.at_level(logging.INFO, logger="integration_server.http"):
        VendorClient(BASE).get_json("/items", params={"api_key": "query-secret"})
    record = next(r for r in caplog.records if r.getMessage() == "http.call")
    assert (record.method, record.host, record.path, record.status) == (
        "GET",
        "api.vendor.test",
        "/v1/items",
        200,
    )
    assert record.duration_ms >= 0
    text = " ".join(str(v) for v in record.__dict__.values())
    assert "super-secret-token" not in text and "query-secret" not in text
    assert responses.calls[0].request.headers["Authorization"] == "Bearer super-secret-token"


@responses.activate
def test_error_message_quotes_vendor_reason_not_body():
    responses.post(f"{BASE}/orders", status=400, json={"message": "postalCode is invalid", "email": "x@y.z"})
    with pytest.raises(PermanentError) as info:
        VendorClient(BASE).post_json("/orders", {"a": 1})
    assert "postalCode is invalid" in str(info.value)
    assert "x@y.z" not in str(info.value)


@pytest.mark.django_db
def test_pacing_spaces_calls_on_one_key():
    booked = [pacing.book("vendor:acct-1", per_minute=60, burst=2) for _ in range(4)]
    assert booked[0][1] == 0 and booked[1][1] == 0  # the burst
    # then one a second after the first (booked times, not waits: no wall-clock timing in the assertion)
    assert booked[2][0] == pytest.approx(booked[0][0] + 1) and booked[3][0] == pytest.approx(booked[0][0] + 2)
    assert pacing.reserve("vendor:acct-2", per_minute=60) == 0  # another key has its own budget


@pytest.mark.django_db
def test_throttle_pushes_back_the_shared_bucket():
    pacing.push_back("vendor:acct-3", 30)
    assert 29 < pacing.reserve("vendor:acct-3", per_minute=600) <= 30


@pytest.mark.django_db
def test_a_slot_beyond_the_allowed_sleep_is_not_taken_and_raises_throttled(settings):
    settings.HTTP_PACING_ENABLED = True
    settings.HTTP_MAX_PACING_SLEEP_SECONDS = 5
    key = "vendor:slow-op"
    assert pacing.wait_for_slot(key, per_minute=1) == 0  # the one call of this minute
    with pytest.raises(ThrottledError) as info:
        pacing.wait_for_slot(key, per_minute=1)
    assert 55 < info.value.wait_seconds <= 60
    # nothing was booked by the refused call: the next slot is still one interval away, not two
    assert 55 < pacing.reserve(key, per_minute=1, max_wait=0) <= 60


@pytest.mark.django_db
def test_patient_block_sleeps_for_the_slot_instead(settings, monkeypatch):
    settings.HTTP_PACING_ENABLED = True
    settings.HTTP_MAX_PACING_SLEEP_SECONDS = 5
    slept = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    key = "vendor:backfill"
    pacing.wait_for_slot(key, per_minute=1)
    with pacing.patient():
        pacing.wait_for_slot(key, per_minute=1)
    assert len(slept) == 1 and 55 < slept[0] <= 60
