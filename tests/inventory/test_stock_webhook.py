"""POST /webhook/zoho/<secret> over real HTTP (live server), sent by the Zoho simulator like a workflow rule;
and the end-to-end loop: resync -> order -> shadow drop -> threshold rebalance -> webhook reset."""

import pytest
import requests

from integration_server.models import OutboundJob, RawPayload
from integration_server.outbox.runner import run_due_jobs
from inventory.models import PublishedQuantity, StockLevel
from inventory.services.zoho_sync import sync_items

from .conftest import WEBHOOK_SECRET, make_orders, run_pushes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook_url(live_server):
    return f"{live_server.url}/webhook/zoho/{WEBHOOK_SECRET}"


def _published(sku):
    return {
        pq.account.channel: (pq.target_quantity, pq.published_quantity)
        for pq in PublishedQuantity.objects.filter(sku=sku).select_related("account")
    }


def _process():
    run_due_jobs("webhook.zoho")
    run_pushes()


def test_wrong_or_missing_secret_is_401_and_stores_nothing(accounts, zoho_sim, zoho_connection, live_server):
    zoho_sim.add_items(1)
    bad = zoho_sim.send_item_webhook(f"{live_server.url}/webhook/zoho/not-the-secret", "SKU-000000")
    assert bad.status_code == 401
    assert requests.post(f"{live_server.url}/webhook/zoho/", json={}, timeout=5).status_code == 404
    assert RawPayload.objects.count() == 0


def test_end_to_end_resync_order_rebalance_and_webhook_reset(
    accounts, recorders, zoho_sim, zoho_client, hook_url
):
    zoho_sim.add_items(20, stock=lambda i: 11)
    sync_items(full=True, client=zoho_client)
    run_pushes()
    assert _published("SKU-000005") == {"amazon": (6, 6), "ebay": (5, 5)}  # base 10: 0.6 / 0.5
    for cls in recorders.values():
        cls.calls.clear()

    make_orders(accounts["amazon"], [("SKU-000005", 5)])  # remaining on Amazon 6 - 5 = 1: rebalance
    assert StockLevel.objects.get(sku="SKU-000005").shadow_available == 6
    run_pushes()
    assert recorders["amazon"].calls == [[("SKU-000005", 3)]]  # base 5: floor(3.0), floor(2.5)
    assert recorders["ebay"].calls == [[("SKU-000005", 2)]]
    for cls in recorders.values():
        cls.calls.clear()

    # Zoho now knows the order (11 - 5 = 6) and a receipt of 20 more: its webhook resets the shadow stock
    zoho_sim.set_stock("SKU-000005", 26)
    answer = zoho_sim.send_item_webhook(hook_url, "SKU-000005")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    _process()
    level = StockLevel.objects.get(sku="SKU-000005")
    assert (level.zoho_available, level.shadow_available) == (26, 26)
    assert recorders["amazon"].calls == [[("SKU-000005", 15)]]  # base 25: 15, 12 (sum 1.1)
    assert recorders["ebay"].calls == [[("SKU-000005", 12)]]

    # the same delivery again: duplicate, nothing changes
    for cls in recorders.values():
        cls.calls.clear()
    again = zoho_sim.send_item_webhook(hook_url, "SKU-000005")
    assert again.json()["status"] == "duplicate"
    # a stale delivery (an older modified time, different body) changes nothing either
    old = dict(zoho_sim.item_by_sku("SKU-000005"))
    old.update(actual_available_for_sale_stock=2, last_modified_time="2020-01-01T00:00:00+0000")
    stale = zoho_sim.send_item_webhook(hook_url, "SKU-000005", body={"item": old})
    assert stale.status_code == 200
    _process()
    assert StockLevel.objects.get(sku="SKU-000005").shadow_available == 26
    assert all(cls.calls == [] for cls in recorders.values())


def test_unknown_sku_is_recorded_not_an_error(accounts, recorders, zoho_sim, zoho_connection, hook_url):
    zoho_sim.add_item("NEW-1", 9)
    answer = zoho_sim.send_item_webhook(hook_url, "NEW-1")
    assert answer.status_code == 200
    _process()
    assert StockLevel.objects.get(sku="NEW-1").zoho_available == 9
    job = OutboundJob.objects.get(kind="webhook.zoho")
    assert job.state == "succeeded" and job.result["new_sku"] is True
    assert recorders["amazon"].calls == [[("NEW-1", 4)]]


@pytest.mark.parametrize("value", [-4, "twelve", None])
def test_negative_or_non_numeric_stock_is_rejected_and_logged(
    accounts, recorders, zoho_sim, zoho_connection, hook_url, value, caplog
):
    zoho_sim.add_item("BAD-1", 5)
    item = dict(zoho_sim.item_by_sku("BAD-1"))
    item.update(actual_available_for_sale_stock=value, actual_available_stock=value)
    if value is None:  # missing figure: fetched from GET /items/{id}; make that one bad too
        zoho_sim.item_by_sku("BAD-1").update(actual_available_for_sale_stock="?", actual_available_stock="?")
    answer = zoho_sim.send_item_webhook(hook_url, "BAD-1", body={"item": item})
    assert answer.status_code == 200  # stored; the worker rejects it
    _process()
    job = OutboundJob.objects.get(kind="webhook.zoho")
    assert job.state == "failed" and job.retries_used == 0 and "rejected" in job.last_error
    assert RawPayload.objects.get(source="zoho").state == "failed"
    assert not StockLevel.objects.filter(sku="BAD-1").exists()
    assert "zoho.webhook_rejected" in caplog.text


def test_a_webhook_without_the_stock_field_fetches_the_item(accounts, zoho_sim, zoho_connection, hook_url):
    zoho_sim.add_item("FETCH-1", 14)
    item = {k: v for k, v in zoho_sim.item_by_sku("FETCH-1").items() if "stock" not in k}
    assert zoho_sim.send_item_webhook(hook_url, "FETCH-1", body={"item": item}).status_code == 200
    _process()
    assert StockLevel.objects.get(sku="FETCH-1").zoho_available == 14
    assert len(zoho_sim.calls("GET", "/inventory/v1/items/")) == 1


def test_malformed_body_is_400(accounts, zoho_connection, hook_url):
    answer = requests.post(
        hook_url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert answer.status_code == 400
