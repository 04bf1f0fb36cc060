"""A ratio edited in the admin reaches the marketplace within seconds (no wait for the rebalance)."""

import time

import pytest

from inventory.models import PublishedQuantity
from inventory.services.publishing import reallocate_and_enqueue
from tests.inventory.conftest import accounts, recorders, run_pushes, set_level  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_ratio_edit_leads_to_a_push_within_seconds(page, accounts, recorders):  # noqa: F811
    set_level("EBIKE-T1", 11)  # base 10: Amazon 0.6 -> 6
    reallocate_and_enqueue({"EBIKE-T1": 11})
    run_pushes()
    recorders["amazon"].calls = []
    policy = accounts["amazon"].stock_policy
    page.goto(f"{page.base}/admin/inventory/accountstockpolicy/{policy.pk}/change/")
    assert "floor((Zoho available − safety stock) × ratio)" in page.locator("#content-main").inner_text()
    page.fill("#id_ratio", "0.8")
    page.click("input[name=_save]")
    page.wait_for_url("**/accountstockpolicy/")
    deadline = time.monotonic() + 10  # the worker runs the reallocation and the push right after the save
    while time.monotonic() < deadline and recorders["amazon"].calls != [[("EBIKE-T1", 8)]]:
        time.sleep(0.2)
    assert recorders["amazon"].calls == [[("EBIKE-T1", 8)]]
    assert PublishedQuantity.objects.get(sku="EBIKE-T1", account=accounts["amazon"]).published_quantity == 8
