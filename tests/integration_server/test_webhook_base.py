import json

import pytest

from integration_server.models import OutboundJob, RawPayload
from integration_server.raw_payloads import raw_payload_handler

from .webhook_test_urls import sign

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration_server.webhook_test_urls")]

PROCESSED = []


def _process(raw, payload):
    PROCESSED.append(payload["n"])
    return {"n": payload["n"]}


@pytest.fixture(autouse=True)
def _reset(job_kinds):
    job_kinds.register("webhook.example", raw_payload_handler(_process))
    PROCESSED.clear()


def post(client, body: bytes, *, signature=None, delivery="d-1"):
    headers = {
        "HTTP_X_SIGNATURE": signature if signature is not None else sign(body),
        "HTTP_X_DELIVERY_ID": delivery,
    }
    return client.post("/webhook/example", data=body, content_type="application/json", **headers)


def test_valid_delivery_is_stored_encrypted_and_processed(client, django_capture_on_commit_callbacks):
    body = json.dumps({"topic": "orders/create", "n": 1}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body)
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    raw = RawPayload.objects.get()
    assert raw.body == body and raw.kind == "orders/create"
    assert raw.state == RawPayload.State.PROCESSED
    assert PROCESSED == [1]


def test_repeated_delivery_answers_200_and_changes_nothing(client, django_capture_on_commit_callbacks):
    body = json.dumps({"topic": "orders/create", "n": 2}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body)
        second = post(client, body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"status": "duplicate"}
    assert RawPayload.objects.count() == 1
    assert OutboundJob.objects.filter(kind="webhook.example").count() == 1
    assert PROCESSED == [2]


def test_bad_signature_is_401_and_stores_nothing(client):
    body = json.dumps({"topic": "orders/create", "n": 3}).encode()
    response = post(client, body, signature=sign(b"something else"))
    assert response.status_code == 401
    assert RawPayload.objects.count() == 0
    assert OutboundJob.objects.count() == 0


def test_tampered_body_is_401(client):
    body = json.dumps({"topic": "orders/create", "n": 3}).encode()
    response = post(client, body.replace(b"3", b"4"), signature=sign(body))
    assert response.status_code == 401
    assert RawPayload.objects.count() == 0


def test_missing_signature_is_401(client):
    response = client.post("/webhook/example", data=b"{}", content_type="application/json")
    assert response.status_code == 401


def test_malformed_body_is_400_and_not_stored(client):
    body = b"{not json"
    response = post(client, body)
    assert response.status_code == 400
    assert RawPayload.objects.count() == 0


def test_unexpected_shape_is_400(client):
    body = json.dumps([1, 2, 3]).encode()
    response = post(client, body)
    assert response.status_code == 400


def test_oversized_body_is_413_and_not_stored(client):
    body = json.dumps({"topic": "x", "pad": "a" * 20_000}).encode()
    response = post(client, body)
    assert response.status_code == 413
    assert RawPayload.objects.count() == 0


def test_irrelevant_topic_is_acknowledged_stored_and_ignored(client, django_capture_on_commit_callbacks):
    body = json.dumps({"topic": "ignored/topic", "n": 9}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body)
    assert response.status_code == 200
    assert RawPayload.objects.get().state == RawPayload.State.IGNORED
    assert PROCESSED == []


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"null", b"42", b'"text"', b"{}"])
def test_no_500_for_odd_bodies(client, body):
    response = post(client, body, delivery=f"odd-{body!r}")
    assert response.status_code in (200, 400)


def test_get_is_not_allowed(client):
    assert client.get("/webhook/example").status_code in (401, 405)
