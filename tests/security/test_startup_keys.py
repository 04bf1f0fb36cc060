"""Issue 10 point 8: the web process refuses to start with no or wrong ENCRYPTION_KEYS, and a value that
does not decrypt at run time is an ERROR log, a /healthz problem and a 503 (retried), never a 401."""

from __future__ import annotations

import base64
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from integration_server.models import RawPayload
from integration_server.startup import run_startup_checks
from tests.plugins.notifications import fixture_bytes, shopify_headers

pytestmark = pytest.mark.usefixtures("anymail_test_backend")

ROOT = Path(__file__).resolve().parents[2]
OTHER_KEY = base64.urlsafe_b64encode(b"another-key-000000000000000000xx").decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_refuses_to_start_without_encryption_keys(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_server.settings",
        "DEBUG": "false",
        "ENCRYPTION_KEYS": "",
        "SECRET_KEY": "x" * 50,
        "LOOKUP_HASH_KEY": "y" * 40,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "integration_server.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "integration_server.E002" in result.stdout + result.stderr


@pytest.mark.django_db
def test_startup_checks_refuse_a_key_that_does_not_open_the_stored_data(settings):
    RawPayload.objects.create(source="test", delivery_id="d1", body=b"{}")
    run_startup_checks()  # the right key: starts
    settings.ENCRYPTION_KEYS = [OTHER_KEY]
    with pytest.raises(ImproperlyConfigured, match="integration_server.E007"):
        run_startup_checks()
    # rotation: the new key first, the old one still listed: starts
    settings.ENCRYPTION_KEYS = [OTHER_KEY, os.environ["ENCRYPTION_KEYS"]]
    run_startup_checks()


@pytest.mark.django_db
def test_decrypt_failure_is_503_error_log_and_health_problem(client, shop, settings, caplog):
    body = fixture_bytes("shopify/fulfillments_create.sample.json")
    settings.ENCRYPTION_KEYS = [OTHER_KEY]  # the shop's secret was encrypted with the test key
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/webhook/shopify", data=body, content_type="application/json", **shopify_headers(body)
        )
    assert response.status_code == 503
    assert RawPayload.objects.count() == 0
    assert any(
        r.levelno == logging.ERROR and r.getMessage() == "webhook.decrypt_failed" for r in caplog.records
    )
    health = client.get("/healthz")
    assert health.status_code == 503
    assert any("encryption keys" in p and "ShopifyShop" in p for p in health.json()["problems"])
