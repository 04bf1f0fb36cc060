"""Issue 10 point 4: only the configured ESP's tracking webhook answers, and only with a secret."""

from __future__ import annotations

import base64
import json

import pytest

from notifications.checks import anymail_webhook_secret

EVENT = {
    "RecordType": "Delivery",
    "MessageID": "no-such-message",
    "Recipient": "lee@example.com",
    "DeliveredAt": "2026-11-23T10:00:00Z",
    "Details": "ok",
    "Metadata": {},
}


def _post(client, esp, auth=None):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    return client.post(
        f"/webhook/anymail/{esp}/tracking/", json.dumps(EVENT), content_type="application/json", **headers
    )


@pytest.mark.django_db
def test_only_the_configured_esp_is_mounted(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}
    settings.ANYMAIL_TRACKING_ESP = "postmark"
    assert _post(client, "postmark", "hook:secret").status_code == 200
    assert _post(client, "postmark").status_code in (400, 401, 403)
    for other in ("sendgrid", "mailgun", "amazon_ses", "sparkpost", "mandrill", "nope"):
        assert _post(client, other, "hook:secret").status_code == 404, other
    # inbound views are never mounted
    assert (
        client.post("/webhook/anymail/postmark/inbound/", "{}", content_type="application/json").status_code
        == 404
    )


@pytest.mark.django_db
def test_no_secret_no_webhook(client, settings):
    settings.ANYMAIL = {}
    settings.ANYMAIL_TRACKING_ESP = "postmark"
    assert _post(client, "postmark").status_code == 404


def test_esp_follows_the_email_backend():
    from notifications.conf import tracking_esp_from_backend

    assert tracking_esp_from_backend("anymail.backends.postmark.EmailBackend") == "postmark"
    assert tracking_esp_from_backend("anymail.backends.amazon_ses.EmailBackend") == "amazon_ses"
    assert tracking_esp_from_backend("anymail.backends.test.EmailBackend") == ""
    assert tracking_esp_from_backend("django.core.mail.backends.smtp.EmailBackend") == ""


def test_system_check_error_outside_debug_without_secret(settings):
    settings.DEBUG = False
    settings.ANYMAIL_TRACKING_ESP = "postmark"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "x"}
    [error] = anymail_webhook_secret()
    assert error.id == "notifications.E001" and error.level >= 40
    settings.DEBUG = True
    assert [w.id for w in anymail_webhook_secret()] == ["notifications.W001"]
    settings.DEBUG = False
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "x", "WEBHOOK_SECRET": "a:b"}
    assert anymail_webhook_secret() == []
    settings.ANYMAIL_TRACKING_ESP = ""
    settings.ANYMAIL = {}
    assert anymail_webhook_secret() == []


def test_bin_serve_writes_an_anymail_webhook_secret():
    from pathlib import Path

    serve = (Path(__file__).resolve().parents[2] / "bin" / "serve").read_text()
    assert "ANYMAIL_WEBHOOK_SECRET=" in serve
