"""Signed webhooks with the signing keys cached per process: one statement per accepted push and per
repeat, a key changed in the admin (or by another process) is honoured at once, a wrong key still 401."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob, RawPayload
from logistics.models import TrackingAccount
from tests.plugins.notifications import TRACK17_KEY, post_17track, post_shopify, push_body, recent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]


def test_17track_accepted_push_and_repeat_are_one_statement_each(
    client, tracking_account, django_assert_num_queries
):
    post_17track(client, push_body("1ZWARM", "InTransit", at=recent(3)))  # loads the key into the cache
    body = push_body("1ZQUERIES", "Delivered", at=recent())
    with django_assert_num_queries(1):
        assert post_17track(client, body).json() == {"status": "accepted"}
    with django_assert_num_queries(1):
        assert post_17track(client, body).json() == {"status": "duplicate"}
    assert OutboundJob.objects.filter(kind="webhook.17track").count() == 2


def test_shopify_accepted_push_and_repeat_are_one_statement_each(client, shop, django_assert_num_queries):
    post_shopify(client, b'{"id": 1}', webhook_id="warm")
    body = b'{"id": 2, "order_id": 7}'
    with django_assert_num_queries(1):
        assert post_shopify(client, body, webhook_id="w-2").json() == {"status": "accepted"}
    with django_assert_num_queries(1):
        assert post_shopify(client, body, webhook_id="w-2").json() == {"status": "duplicate"}


def test_17track_key_changed_in_the_admin_is_used_at_once(client, tracking_account):
    post_17track(client, push_body("1ZA", "InTransit", at=recent(3)))
    account = TrackingAccount.objects.get(provider="17track")
    account.api_key = "rotated-key"
    account.save()
    assert (
        post_17track(client, push_body("1ZB", "InTransit", at=recent(2)), key="rotated-key").status_code
        == 200
    )


def test_17track_key_changed_by_another_process_is_reloaded_on_a_mismatch(client, tracking_account):
    post_17track(client, push_body("1ZA", "InTransit", at=recent(3)))
    # an update this process's signals do not see (another gunicorn worker saved it)
    TrackingAccount.objects.filter(provider="17track").update(api_key="rotated-elsewhere")
    assert (
        post_17track(client, push_body("1ZB", "InTransit", at=recent(2)), key="rotated-elsewhere").status_code
        == 200
    )
    assert (
        post_17track(client, push_body("1ZC", "InTransit", at=recent(1)), key=TRACK17_KEY).status_code == 401
    )


def test_17track_account_disabled_is_refused_at_once(client, tracking_account):
    post_17track(client, push_body("1ZA", "InTransit", at=recent(3)))
    account = TrackingAccount.objects.get(provider="17track")
    account.enabled = False
    account.save()
    assert post_17track(client, push_body("1ZB", "InTransit", at=recent(2))).status_code == 401
    assert RawPayload.objects.count() == 1


def test_shopify_shop_disabled_is_refused_at_once(client, shop):
    assert post_shopify(client, b'{"id": 1}', webhook_id="a").status_code == 200
    shop.enabled = False
    shop.save()
    assert post_shopify(client, b'{"id": 2}', webhook_id="b").status_code == 401


def test_unknown_shop_domains_do_not_grow_the_cache_without_bound(client, shop):
    from integration_server import key_cache

    for n in range(key_cache.MAX_ENTRIES + 50):
        post_shopify(client, b'{"id": 1}', webhook_id=f"x{n}", domain=f"nobody-{n}.myshopify.com")
    assert key_cache.size() <= key_cache.MAX_ENTRIES
