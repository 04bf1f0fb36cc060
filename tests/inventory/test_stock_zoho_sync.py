"""Full and incremental resync from the Zoho simulator over HTTP, through allocation to the marketplace
calls (a recording connector stands in for the marketplace connectors)."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integration_server.models import OutboundJob
from inventory.allocation import AllocationPolicy, publish_quantities
from inventory.clients.zoho import ZohoClient
from inventory.models import PublishedQuantity, SkuRatioOverride, StockLevel, ZohoConnection
from inventory.services.publishing import PUSH_STOCK
from inventory.services.zoho_sync import sync_items

from .conftest import run_pushes

# inside the test's transaction the pages are fetched inline; the prefetching thread is exercised by the
# transactional tests of test_stock_webhook and test_stock_portable, and by the benchmark
pytestmark = pytest.mark.django_db


def _stock(i):
    return (i * 7) % 40  # 0..39: some items are at or below the safety stock


def test_resync_of_1000_skus_pushes_exactly_the_formula_in_the_fewest_calls(
    accounts, recorders, zoho_sim, zoho_client
):
    from decimal import Decimal

    zoho_sim.add_items(1000, stock=_stock)
    SkuRatioOverride.objects.create(sku="SKU-000003", account=accounts["amazon"], ratio=Decimal("1.2"))

    summary = sync_items(full=True, client=zoho_client)
    assert (summary.read, summary.changed, summary.new_skus) == (1000, 1000, 1000)
    run_pushes()

    policy = AllocationPolicy()
    expected = {"amazon": {}, "ebay": {}}
    for i in range(1000):
        sku = f"SKU-{i:06d}"
        ratios = {"amazon": Decimal("1.2") if i == 3 else Decimal("0.6"), "ebay": Decimal("0.5")}
        for channel, qty in publish_quantities(_stock(i), ratios, policy).items():
            expected[channel][sku] = qty
    for channel, cls in recorders.items():
        pushed = [pair for call in cls.calls for pair in call]
        assert dict(pushed) == expected[channel]
        assert len(pushed) == 1000  # each SKU once
        assert len(cls.calls) == math.ceil(1000 / cls.max_quantity_batch)  # amazon 4, ebay 40
    # the override: 1.2 + 0.5 = 1.7 > 1.5, scaled: 3 -> base 20 -> floor(20*1.2*1.5/1.7)=21, ebay floor(20*.5*1.5/1.7)=8
    assert expected["amazon"]["SKU-000003"] == 21 and expected["ebay"]["SKU-000003"] == 8
    assert not PublishedQuantity.objects.exclude(published_quantity=models_f("target_quantity")).exists()

    # a second resync with nothing changed in Zoho pushes nothing
    for cls in recorders.values():
        cls.calls.clear()
    summary = sync_items(full=True, client=zoho_client)
    assert (summary.read, summary.changed, summary.to_push) == (1000, 0, 0)
    run_pushes()
    assert all(cls.calls == [] for cls in recorders.values())

    # one item changes in Zoho: the incremental sync reads it and pushes only its quantities
    zoho_sim.set_stock("SKU-000010", 31)
    summary = sync_items(full=False, client=zoho_client)
    assert summary.changed == 1
    run_pushes()
    assert recorders["amazon"].calls == [[("SKU-000010", 18)]]
    assert recorders["ebay"].calls == [[("SKU-000010", 15)]]


def models_f(name):
    from django.db.models import F

    return F(name)


def test_every_call_carries_the_organisation_and_one_cached_token(accounts, zoho_sim, zoho_client):
    zoho_sim.add_items(450)
    sync_items(full=True, client=zoho_client)
    sync_items(full=True, client=ZohoClient(ZohoConnection.objects.get()))  # another process: token reused
    item_calls = zoho_sim.calls("GET", "/inventory/v1/items")
    assert len(item_calls) == 6  # 3 pages of 200 each time
    assert {c.arg("organization_id") for c in item_calls} == {zoho_sim.organization_id}
    assert {c.arg("per_page") for c in item_calls} == {"200"}
    assert len(zoho_sim.calls("POST", "/oauth/v2/token")) == 1


def test_an_expired_token_is_refreshed_once(accounts, zoho_sim, zoho_client):
    zoho_sim.add_items(10)
    sync_items(full=True, client=zoho_client)
    zoho_sim.expire_tokens()  # Zoho answers 401 to the cached token
    summary = sync_items(full=True, client=zoho_client)
    assert summary.read == 10
    assert len(zoho_sim.calls("POST", "/oauth/v2/token")) == 2


def test_throttled_pages_wait_and_continue(accounts, zoho_connection):
    from integration_server.simulators import serve_in_thread
    from inventory.simulators.zoho import ZohoSimulator

    # a window long enough that a slow machine still makes its third call inside it (and is answered 429)
    sim = ZohoSimulator(rate_limit=2, rate_window=1.5)
    server = serve_in_thread(sim)
    try:
        sim.add_items(1000)
        ZohoConnection.objects.filter(pk=1).update(
            accounts_url=sim.base_url, api_base_url=sim.base_url + "/inventory/v1"
        )
        client = ZohoClient(ZohoConnection.objects.get())
        client.fixed_throttle_wait = 0.3
        summary = sync_items(full=True, client=client)
    finally:
        server.shutdown()
    assert summary.read == 1000
    assert StockLevel.objects.count() == 1000
    statuses = len(sim.calls("GET", "/inventory/v1/items"))
    assert statuses > 5  # some answers were 429 and were retried


def test_queries_per_page_are_constant(accounts, zoho_sim, zoho_client):
    zoho_sim.add_items(200)
    with CaptureQueriesContext(connection) as one_page:
        sync_items(full=True, client=zoho_client)
    StockLevel.objects.all().delete()
    PublishedQuantity.objects.all().delete()
    OutboundJob.objects.all().delete()
    zoho_sim.add_items(800, prefix="MORE-")
    with CaptureQueriesContext(connection) as five_pages:
        sync_items(full=True, client=zoho_client)
    per_page = (len(five_pages) - len(one_page)) / 4
    assert per_page <= 8, [q["sql"][:80] for q in five_pages.captured_queries]


def test_invalid_items_are_skipped_and_counted(accounts, zoho_sim, zoho_client):
    zoho_sim.add_items(5)
    zoho_sim.item_by_sku("SKU-000001").update(actual_available_for_sale_stock=-3)
    zoho_sim.item_by_sku("SKU-000002").update(actual_available_for_sale_stock="n/a")
    summary = sync_items(full=True, client=zoho_client)
    assert (summary.read, summary.invalid, summary.changed) == (5, 2, 3)
    assert not StockLevel.objects.filter(sku__in=["SKU-000001", "SKU-000002"]).exists()


def test_stock_field_falls_back(accounts, zoho_sim, zoho_client):
    zoho_sim.add_items(1)
    item = zoho_sim.item_by_sku("SKU-000000")
    del item["actual_available_for_sale_stock"]
    item["actual_available_stock"] = 17
    sync_items(full=True, client=zoho_client)
    assert StockLevel.objects.get(sku="SKU-000000").zoho_available == 17


def test_command_dry_run_writes_nothing_and_the_real_run_summarises(accounts, zoho_sim, zoho_connection):
    zoho_sim.add_items(300)
    out = StringIO()
    call_command("zoho_resync", "--dry-run", stdout=out)
    assert "DRY RUN" in out.getvalue() and "300 items read, 300 changed" in out.getvalue()
    assert StockLevel.objects.count() == 0 and PublishedQuantity.objects.count() == 0
    assert not OutboundJob.objects.filter(kind=PUSH_STOCK).exists()
    out = StringIO()
    call_command("zoho_resync", stdout=out)
    text = out.getvalue()
    assert "300 items read, 300 changed" in text and "600 quantities to push" in text
    assert StockLevel.objects.count() == 300


def test_token_refresh_limit_is_a_wait_not_a_failure(accounts, zoho_sim, zoho_connection):
    from integration_server.http.errors import ThrottledError

    zoho_sim.token_limiter.limit = 0
    client = ZohoClient(ZohoConnection.objects.get())
    with pytest.raises(ThrottledError):
        client.access_token()


def test_scheduled_tasks_without_a_zoho_connection_do_nothing(db):
    from inventory import tasks

    assert tasks.zoho_full_resync() == "no Zoho connection configured"
    assert tasks.zoho_incremental_sync() == "no Zoho connection configured"
