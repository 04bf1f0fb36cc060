"""Admin: overrides import/export (CSV, XLSX; a file with bad rows imports nothing and names each row), the
stock list without N+1, the explain page, write-only Zoho secrets, the policy with SPEC defaults."""

import re
from decimal import Decimal
from html import unescape

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import SkuRatioOverride, StockPolicy
from inventory.resources import SkuRatioOverrideResource, import_overrides
from inventory.services.publishing import reallocate_and_enqueue

from .conftest import WEBHOOK_SECRET, run_pushes, set_level

pytestmark = pytest.mark.django_db


def _rows():
    return sorted(SkuRatioOverride.objects.values_list("sku", "account__name", "ratio", "note"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_overrides_round_trip(accounts, fmt):
    SkuRatioOverride.objects.create(
        sku="A-1", account=accounts["amazon"], ratio=Decimal("0.25"), note="promo"
    )
    SkuRatioOverride.objects.create(sku="A-1", account=accounts["ebay"], ratio=Decimal("0"))
    SkuRatioOverride.objects.create(sku="B-2", account=accounts["ebay"], ratio=Decimal("1.5"))
    before = _rows()
    exported = SkuRatioOverrideResource().export()
    blob = exported.export(fmt)
    assert exported.headers == ["sku", "account", "ratio", "note"]
    SkuRatioOverride.objects.all().delete()
    dataset = tablib.Dataset().load(blob, format=fmt)
    result = import_overrides(dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    assert _rows() == before
    # importing the same file again changes nothing; an edited ratio updates its row in place
    dataset = tablib.Dataset().load(blob, format=fmt)
    dataset[0] = ("A-1", "Amazon US", "0.3", "promo")
    import_overrides(dataset)
    assert SkuRatioOverride.objects.count() == 3
    assert SkuRatioOverride.objects.get(sku="A-1", account=accounts["amazon"]).ratio == Decimal("0.3")


BAD_CSV = (
    "sku,account,ratio,note\n"
    "OK-1,Amazon US,0.4,fine\n"
    "BAD-1,Amazon US,2.0,over the cap\n"
    "BAD-2,Nowhere,0.5,unknown account\n"
    "BAD-3,eBay,lots,not a number\n"
    "OK-2,eBay,0.1,fine\n"
)


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(accounts):
    result = import_overrides(tablib.Dataset().load(BAD_CSV, format="csv"))
    assert SkuRatioOverride.objects.count() == 0
    bad_rows = {row.number for row in result.invalid_rows} | {number for number, _ in result.row_errors()}
    assert bad_rows == {2, 3, 4}


def test_admin_import_shows_row_errors_and_imports_nothing(accounts, admin_client):
    url = reverse("admin:inventory_skuratiooverride_import")
    upload = SimpleUploadedFile("overrides.csv", BAD_CSV.encode(), content_type="text/csv")
    response = admin_client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Errors" in text or "errors" in text
    assert "no marketplace account named" in text and "1.5" in text
    assert "confirm" not in text.lower() or "Confirm import" not in text
    assert SkuRatioOverride.objects.count() == 0


def test_admin_import_of_a_good_file_then_confirm(accounts, admin_client):
    url = reverse("admin:inventory_skuratiooverride_import")
    good = "sku,account,ratio,note\nOK-1,Amazon US,0.4,\nOK-2,eBay,0.1,\n"
    upload = SimpleUploadedFile("overrides.csv", good.encode(), content_type="text/csv")
    response = admin_client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert SkuRatioOverride.objects.count() == 0  # the first step is a dry run
    form = response.context["confirm_form"]
    confirm = admin_client.post(reverse("admin:inventory_skuratiooverride_process_import"), form.initial)
    assert confirm.status_code == 302
    assert SkuRatioOverride.objects.count() == 2


def test_stock_list_shows_zoho_shadow_published_and_pending_without_n_plus_one(
    accounts, recorders, admin_client
):
    for i in range(30):
        set_level(f"L{i:02d}", 11)
    reallocate_and_enqueue({f"L{i:02d}": 11 for i in range(20)})
    run_pushes()
    reallocate_and_enqueue({f"L{i:02d}": 11 for i in range(20, 30)})  # pending, not pushed
    url = reverse("admin:inventory_stocklevel_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Amazon US: 6" in text and "→ 6 pending" in text
    assert len(ctx) < 15


def test_explain_page_walks_through_the_numbers(accounts, admin_client):
    SkuRatioOverride.objects.create(sku="X", account=accounts["amazon"], ratio=Decimal("1.2"))
    set_level("X", 21)
    reallocate_and_enqueue({"X": 21})
    response = admin_client.get(reverse("admin:inventory_stocklevel_explain", args=["X"]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "max(0, 21 - safety stock 1) = 20" in text
    assert "SKU override" in text and "account ratio" in text
    assert "scaled by 1.5/1.7" in text
    # amazon floor(20 * 1.2 * 1.5/1.7) = 21, ebay floor(20 * 0.5 * 1.5/1.7) = 8
    assert "<strong>21</strong>" in text and "<strong>8</strong>" in text


def test_zoho_connection_secrets_are_write_only(accounts, zoho_connection, admin_client):
    url = reverse("admin:inventory_zohoconnection_change", args=[1])
    text = admin_client.get(url).content.decode()
    assert WEBHOOK_SECRET not in text and zoho_connection.client_secret not in text
    assert zoho_connection.refresh_token not in text


def test_policy_has_the_spec_defaults_and_ratio_warning(accounts, admin_client):
    policy = StockPolicy.current()
    assert (
        policy.safety_stock,
        policy.max_oversell_pct,
        policy.min_publish_qty,
        policy.low_stock_threshold,
        policy.rebalance_interval_minutes,
    ) == (1, 150, 0, 1, 240)
    assert admin_client.get(reverse("admin:inventory_stockpolicy_changelist")).status_code == 200
    accounts["amazon"].stock_policy.ratio = Decimal("1.2")
    accounts["amazon"].stock_policy.save()
    response = admin_client.get(reverse("admin:inventory_accountstockpolicy_changelist"), follow=True)
    assert "add up to 1.7" in response.content.decode()


def test_saving_an_override_over_the_cap_warns(accounts, admin_client):
    url = reverse("admin:inventory_skuratiooverride_add")
    response = admin_client.post(
        url, {"sku": "Z", "account": accounts["amazon"].pk, "ratio": "1.2", "note": ""}, follow=True
    )
    assert SkuRatioOverride.objects.filter(sku="Z").exists()
    assert "The ratios of Z add up to 1.7" in response.content.decode()


def test_connection_check_action_shows_the_stock_keys(accounts, zoho_sim, zoho_connection, admin_client):
    zoho_sim.add_items(3)
    url = reverse("admin:inventory_zohoconnection_changelist")
    response = admin_client.post(
        url, {"action": "check_connection", "_selected_action": [zoho_connection.pk]}, follow=True
    )
    text = response.content.decode()
    assert "Organisation found: True" in text and "actual_available_for_sale_stock" in text


def test_admin_says_plainly_an_account_takes_no_part(accounts, admin_client):
    from marketplaces.connectors import base as connector_base

    connector_base.unregister_connector("ebay")  # for this test only (tests/plugins/registries.py)
    set_level("X", 11)
    ratios = admin_client.get(reverse("admin:inventory_accountstockpolicy_changelist")).content.decode()
    assert "No: not supported: the eBay channel has no connector yet" in ratios
    explain = admin_client.get(reverse("admin:inventory_stocklevel_explain", args=["X"])).content.decode()
    assert "eBay takes no part (not supported: the eBay channel has no connector yet)" in explain
    accounts_page = admin_client.get(reverse("admin:marketplaces_marketplaceaccount_changelist"))
    assert "not supported yet (no eBay connector)" in accounts_page.content.decode()


def test_import_problems_name_line_column_and_problem_in_words_for_every_bad_row(accounts, admin_client):
    url = reverse("admin:inventory_skuratiooverride_import")
    upload = SimpleUploadedFile("overrides.csv", BAD_CSV.encode(), content_type="text/csv")
    html = admin_client.post(url, {"import_file": upload, "format": "0", "resource": "0"}).content.decode()
    problems = re.findall(r'<li class="import-problem">(.*?)</li>', html)
    assert [unescape(p) for p in problems] == [
        "Line 3, column “ratio”: Ensure this value is less than or equal to 1.5.",
        "Line 4, column “account”: no marketplace account named 'Nowhere'",
        "Line 5, column “ratio”: “lots” is not a number: write the ratio like 0.25",
    ]
    assert "ConversionSyntax" not in html and "Traceback" not in html
    assert "Errors in the file: 3 problems in 5 rows; nothing was imported." in html
    assert SkuRatioOverride.objects.count() == 0


def test_a_missing_ratio_is_named(accounts):
    from integration_server.import_problems import import_problems

    dataset = tablib.Dataset().load("sku,account,ratio,note\nX-1,Amazon US,,\n", format="csv")
    problems = [str(p) for p in import_problems(import_overrides(dataset))]
    assert problems[0].startswith("Line 2, column “ratio”: a ratio is required")
