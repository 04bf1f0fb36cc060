"""Issue 10 point 15: HSTS and the https redirect are settings, cookies are secure when the public URL is
https, and /healthz tells nothing but its status without the detail token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.settings_probe import settings_under

NAMES = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"]


def _settings_under(**environment) -> dict:
    return settings_under(f"{{n: getattr(s, n) for n in {NAMES!r}}}", without_prefix="SECURE_", **environment)


def test_security_settings_follow_the_environment():
    plain = _settings_under(PUBLIC_BASE_URL="http://127.0.0.1:8000")
    assert plain == dict.fromkeys(NAMES, False) | {"SECURE_HSTS_SECONDS": 0}
    https = _settings_under(
        PUBLIC_BASE_URL="https://hooks.example.com",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_SSL_REDIRECT="true",
    )
    assert https == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
    }
    forced_off = _settings_under(PUBLIC_BASE_URL="https://hooks.example.com", SECURE_COOKIES="false")
    assert forced_off["SESSION_COOKIE_SECURE"] is False


@pytest.mark.django_db
def test_healthz_without_token_shows_only_the_status(settings):
    settings.HEALTHZ_DETAIL_TOKEN = "right-token"
    anonymous = Client()
    response = anonymous.get("/healthz")
    assert response.status_code == 503  # no worker heartbeat in a fresh database
    assert response.json() == {"status": "fail"}
    assert anonymous.get("/healthz", headers={"X-Health-Token": "wrong"}).json() == {"status": "fail"}
    detailed = anonymous.get("/healthz", headers={"X-Health-Token": "right-token"}).json()
    assert detailed["status"] == "fail" and detailed["problems"] and "due_jobs" in detailed
    assert "problems" in anonymous.get("/healthz?token=right-token").json()
    settings.HEALTHZ_DETAIL_TOKEN = ""
    assert anonymous.get("/healthz", headers={"X-Health-Token": ""}).json() == {"status": "fail"}


@pytest.mark.django_db
def test_ssl_redirect_spares_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/admin/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)
    settings.SECURE_HSTS_SECONDS = 3600
    response = Client().get("/healthz", secure=True)  # a new client: the middleware reads settings once
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
