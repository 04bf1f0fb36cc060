"""Issue 16 points 1 and 2: an ops change (account ratio, per-SKU override by form or CSV import, stock
policy, account switched on/off) queues a reallocation of exactly the SKUs it affects, and the marketplaces
get the new figures without waiting for the 240-minute rebalance; "Publish now", ``publish_stock`` and
"Resync from Zoho" re-send what the marketplace may have drifted from."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from inventory.models import AccountStockPolicy, PublishedQuantity, SkuRatioOverride, StockLevel, StockPolicy
from inventory.services.publishing import PUSH_STOCK, reallocate_and_enqueue
from inventory.services.republish import REALLOCATE_KIND

from .conftest import run_pushes, set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(accounts, recorders):
    """A and B at 11 (base 10) published: Amazon 0.6 -> 6, eBay 0.5 -> 5; B has an Amazon override 0.3."""
    SkuRatioOverride.objects.create(sku="B", account=accounts["amazon"], ratio=Decimal("0.3"))
    for sku in ("A", "B"):
        set_level(sku, 11)
    reallocate_and_enqueue({"A": 11, "B": 11})
    run_pushes()
    for recorder in recorders.values():
        recorder.calls = []
    return accounts


def _reallocation_jobs():
    return list(OutboundJob.objects.filter(kind=REALLOCATE_KIND).order_by("pk"))


def _apply(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_due_jobs(REALLOCATE_KIND)
    run_pushes()


def _pk(sku):
    return StockLevel.objects.get(sku=sku).pk


def _explain(admin_client, sku):
    return admin_client.get(reverse("admin:inventory_stocklevel_explain", args=[sku])).content.decode()


def test_account_ratio_edit_reallocates_the_skus_without_an_override(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    policy = published["amazon"].stock_policy
    url = reverse("admin:inventory_accountstockpolicy_change", args=[policy.pk])
    response = admin_client.post(
        url, {"account": published["amazon"].pk, "ratio": "0.8", "publish_enabled": "on"}
    )
    assert response.status_code == 302
    [job] = _reallocation_jobs()
    assert job.payload["all"] is True and job.payload["unless_override_for"] == published["amazon"].pk
    assert "(pending)" in _explain(admin_client, "A")  # the new figure is shown as pending at once
    _apply(django_capture_on_commit_callbacks)
    assert recorders["amazon"].calls == [[("A", 8)]]  # B keeps its override: not touched
    assert recorders["ebay"].calls == []
    assert PublishedQuantity.objects.get(sku="A", account=published["amazon"]).published_quantity == 8
    assert "(pending)" not in _explain(admin_client, "A")


def test_list_editable_ratio_edit_also_reallocates(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    amazon, ebay = published["amazon"].stock_policy, published["ebay"].stock_policy
    url = reverse("admin:inventory_accountstockpolicy_changelist")
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": amazon.pk,
        "form-0-ratio": "0.6",
        "form-0-publish_enabled": "on",
        "form-1-id": ebay.pk,
        "form-1-ratio": "0.7",
        "form-1-publish_enabled": "on",
        "_save": "Save",
    }
    assert admin_client.post(url, data).status_code == 302
    _apply(django_capture_on_commit_callbacks)
    assert recorders["ebay"].calls == [[("A", 7), ("B", 7)]]
    assert recorders["amazon"].calls == []


def test_override_form_edit_reallocates_that_sku_only(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:inventory_skuratiooverride_add")
    data = {"sku": "A", "account": published["ebay"].pk, "ratio": "0.2", "note": ""}
    assert admin_client.post(url, data).status_code == 302
    [job] = _reallocation_jobs()
    assert job.payload["skus"] == ["A"]
    _apply(django_capture_on_commit_callbacks)
    assert recorders["ebay"].calls == [[("A", 2)]]


def test_override_csv_import_reallocates_the_imported_skus(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:inventory_skuratiooverride_import")
    good = "sku,account,ratio,note\nA,eBay,0.1,\nC,eBay,0.2,\n"
    upload = SimpleUploadedFile("overrides.csv", good.encode(), content_type="text/csv")
    response = admin_client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert _reallocation_jobs() == []  # the preview is a dry run: nothing queued
    form = response.context["confirm_form"]
    admin_client.post(reverse("admin:inventory_skuratiooverride_process_import"), form.initial)
    [job] = _reallocation_jobs()
    assert job.payload["skus"] == ["A", "C"]
    _apply(django_capture_on_commit_callbacks)
    assert recorders["ebay"].calls == [[("A", 1)]]  # C has no stock level yet


def test_stock_policy_edit_reallocates_every_sku(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    policy = StockPolicy.current()
    url = reverse("admin:inventory_stockpolicy_change", args=[policy.pk])
    data = {
        "safety_stock": "3",
        "max_oversell_pct": "150",
        "min_publish_qty": "0",
        "low_stock_threshold": "1",
        "rebalance_interval_minutes": "240",
    }
    assert admin_client.post(url, data).status_code == 302
    _apply(django_capture_on_commit_callbacks)
    # base 8: Amazon A 0.6 -> 4, B override 0.3 -> 2; eBay 0.5 -> 4
    assert recorders["amazon"].calls == [[("A", 4), ("B", 2)]]
    assert recorders["ebay"].calls == [[("A", 4), ("B", 4)]]


def test_disabling_an_account_reallocates_the_others(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    AccountStockPolicy.objects.filter(account=published["amazon"]).update(ratio=Decimal("1.2"))
    reallocate_and_enqueue({"A": 11, "B": 11})
    run_pushes()
    recorders["amazon"].calls = []
    ebay = published["ebay"]
    url = reverse("admin:marketplaces_marketplaceaccount_change", args=[ebay.pk])
    data = {
        "channel": "ebay",
        "name": "eBay",
        "pull_interval_minutes": "5",
        "options": "{}",
        "new_credentials": "",
    }
    assert admin_client.post(url, data).status_code == 302  # "enabled" unticked
    _apply(django_capture_on_commit_callbacks)
    # eBay no longer dilutes the cap: Amazon A gets 12 of 10 units (1.2, under the 1.5 cap)
    assert recorders["amazon"].calls == [[("A", 12)]]


# --- point 2: drift is corrected ----------------------------------------------------------------------------
def test_publish_stock_command_force_resends_unchanged_quantities(published, recorders, capsys):
    call_command("publish_stock")
    assert "0 changed quantities and 0 unchanged ones re-sent" in capsys.readouterr().out
    assert not OutboundJob.objects.filter(kind=PUSH_STOCK, state="pending").exists()

    call_command("publish_stock", "--force", "--account", "eBay", "--dry-run")
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "2 unchanged ones re-sent to eBay" in out
    assert not OutboundJob.objects.filter(kind=PUSH_STOCK, state="pending").exists()

    call_command("publish_stock", "--force", "--account", "eBay", "--sku", "A", "B")
    out = capsys.readouterr().out
    assert "2/2 SKUs" in out  # progress
    assert (
        "2 SKUs reallocated: 0 changed quantities and 2 unchanged ones re-sent to eBay in 1 push jobs" in out
    )
    run_pushes()
    assert recorders["ebay"].calls == [[("A", 5), ("B", 5)]]
    assert recorders["amazon"].calls == []


def test_publish_now_admin_actions_resend(
    published, recorders, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:inventory_stocklevel_changelist")
    admin_client.post(url, {"action": "publish_now", "_selected_action": [_pk("A")]})
    _apply(django_capture_on_commit_callbacks)
    assert recorders["amazon"].calls == [[("A", 6)]] and recorders["ebay"].calls == [[("A", 5)]]

    recorders["amazon"].calls, recorders["ebay"].calls = [], []
    url = reverse("admin:marketplaces_marketplaceaccount_changelist")
    admin_client.post(url, {"action": "publish_stock_now", "_selected_action": [published["amazon"].pk]})
    _apply(django_capture_on_commit_callbacks)
    assert recorders["amazon"].calls == [[("A", 6), ("B", 3)]] and recorders["ebay"].calls == []


def test_resync_from_zoho_resets_the_sku_and_pushes(
    published, recorders, zoho_sim, zoho_connection, admin_client
):
    from datetime import timedelta

    from django.utils import timezone

    last_sync = timezone.now() - timedelta(hours=1)  # Zoho's times have whole seconds: keep ours older
    item = zoho_sim.add_item("A", 21)
    StockLevel.objects.filter(sku="A").update(zoho_item_id=item["item_id"], zoho_modified_at=last_sync)
    url = reverse("admin:inventory_stocklevel_changelist")
    response = admin_client.post(
        url, {"action": "resync_from_zoho", "_selected_action": [_pk("A")]}, follow=True
    )
    assert "1 SKU(s) read from Zoho, 1 changed" in response.content.decode()
    assert StockLevel.objects.get(sku="A").shadow_available == 21
    run_pushes()
    assert recorders["amazon"].calls == [[("A", 12)]] and recorders["ebay"].calls == [[("A", 10)]]


def test_the_weekly_republish_is_registered():
    from integration_server.schedules import registered_schedules

    spec = {s.name: s for s in registered_schedules()}["inventory.republish"]
    assert spec.cron == "45 3 * * 0"
