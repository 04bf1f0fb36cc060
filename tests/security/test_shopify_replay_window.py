"""Issue 10 point 7: a Shopify delivery replayed with a fresh webhook id but an old trigger time is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integration_server.models import OutboundJob, RawPayload
from logistics.shopify import conf
from logistics.shopify.freshness import delivery_is_fresh
from tests.plugins.notifications import fixture_bytes, shopify_headers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]

BODY = "shopify/fulfillments_create.sample.json"


def _post(client, body, **kwargs):
    meta = shopify_headers(body, **kwargs)
    return client.post("/webhook/shopify", data=body, content_type="application/json", **meta)


def test_replay_with_fresh_webhook_id_and_old_trigger_time_is_refused(client, shop):
    body = fixture_bytes(BODY)
    old = datetime.now(UTC) - timedelta(minutes=conf.SHOPIFY_WEBHOOK_MAX_AGE_MINUTES + 1)
    response = _post(client, body, webhook_id="replayed-new-id", triggered_at=old)
    assert response.status_code == 401
    assert RawPayload.objects.count() == 0 and OutboundJob.objects.count() == 0
    # a delivery retried by Shopify within its 4 hours is still taken
    recent = datetime.now(UTC) - timedelta(hours=4)
    assert _post(client, body, webhook_id="retry", triggered_at=recent).status_code == 200


def test_missing_or_garbled_trigger_time_is_refused(client, shop):
    body = fixture_bytes(BODY)
    meta = shopify_headers(body)
    del meta["HTTP_X_SHOPIFY_TRIGGERED_AT"]
    assert (
        client.post("/webhook/shopify", data=body, content_type="application/json", **meta).status_code == 401
    )
    meta["HTTP_X_SHOPIFY_TRIGGERED_AT"] = "yesterday"
    assert (
        client.post("/webhook/shopify", data=body, content_type="application/json", **meta).status_code == 401
    )
    assert RawPayload.objects.count() == 0


def test_window_is_a_setting(client, shop, settings):
    settings.SHOPIFY_WEBHOOK_MAX_AGE_MINUTES = 5
    body = fixture_bytes(BODY)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    assert _post(client, body, triggered_at=ten_minutes_ago).status_code == 401


def test_trigger_time_formats():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert delivery_is_fresh("2026-12-03T11:59:27.877041743Z", now=now, max_age_minutes=60)
    assert delivery_is_fresh("2026-12-03T06:30:00-05:00", now=now, max_age_minutes=60)
    assert not delivery_is_fresh("2026-12-03T09:00:00Z", now=now, max_age_minutes=60)
    assert not delivery_is_fresh("2026-12-03T13:00:00Z", now=now, max_age_minutes=60)  # from the future
    assert not delivery_is_fresh("2026-12-03T11:59:00", now=now, max_age_minutes=60)  # no zone
    assert not delivery_is_fresh("2026-13-45T11:59:00Z", now=now, max_age_minutes=60)
