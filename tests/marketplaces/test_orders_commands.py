"""manage.py pull_orders, shipstation_webhooks --register, shipstation_poll, shipstation_check."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketplaces.models import Order

pytestmark = pytest.mark.django_db


def test_pull_orders_backfill_shows_progress_and_a_summary(flow):
    ss, amz, _, account = flow
    for _ in range(3):
        amz.add_order()
    out = StringIO()
    call_command("pull_orders", "--account", account.name, "--since", "2026-01-01", stdout=out)
    assert "page 1: 3 seen, 3 new" in out.getvalue()
    assert out.getvalue().strip().endswith("Pulled 1 account(s): 3 order(s) seen, 3 new.")
    assert Order.objects.count() == 3


def test_pull_orders_dry_run_and_unknown_account(flow):
    _, amz, _, account = flow
    amz.add_order()
    out = StringIO()
    call_command("pull_orders", "--dry-run", stdout=out)
    assert "(dry run: nothing stored)" in out.getvalue() and not Order.objects.exists()
    with pytest.raises(CommandError):
        call_command("pull_orders", "--account", "nope")
    with pytest.raises(CommandError):
        call_command("pull_orders", "--since", "yesterday")


def test_shipstation_webhooks_register_is_idempotent_and_hides_the_secret(flow):
    ss, *_ = flow
    out = StringIO()
    call_command("shipstation_webhooks", "--register", "--public-url", "https://ops.example.com", stdout=out)
    call_command("shipstation_webhooks", "--register", "--public-url", "https://ops.example.com", stdout=out)
    assert "SHIP_NOTIFY subscribed" in out.getvalue() and "already subscribed" in out.getvalue()
    assert len(ss.webhooks) == 1
    (hook,) = ss.webhooks.values()
    assert hook["target_url"].startswith("https://ops.example.com/webhook/shipstation/")
    assert hook["event"] == "SHIP_NOTIFY"
    listing = StringIO()
    call_command("shipstation_webhooks", stdout=listing)
    assert "<secret>" in listing.getvalue() and hook["target_url"].rsplit("/", 1)[1] not in listing.getvalue()


def test_shipstation_poll_and_check(flow):
    out = StringIO()
    call_command("shipstation_poll", stdout=out)
    call_command("shipstation_check", stdout=out)
    assert "Polled: 0 shipment(s), 0 fulfillment(s)" in out.getvalue()
    assert "store 310001" in out.getvalue() and "OK: 5 store(s)" in out.getvalue()
