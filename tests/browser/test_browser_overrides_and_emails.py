"""An override file with bad rows shows each row's problem; the email log is searched by a customer's address
(encrypted at rest) and the email is previewed as it was sent."""

import pytest

from inventory.models import SkuRatioOverride
from marketplaces.models import MarketplaceAccount
from tests.dashboard import story

pytestmark = pytest.mark.django_db(transaction=True)

BAD_FILE = "sku,account,ratio,note\nOK-1,Amazon US,0.4,fine\nBAD-1,Amazon US,lots,typo\n"


def test_override_import_with_a_bad_row_shows_the_row_error(page, tmp_path):
    MarketplaceAccount.objects.create(name="Amazon US", channel="amazon")
    upload = tmp_path / "overrides.csv"
    upload.write_text(BAD_FILE)
    page.goto(f"{page.base}/admin/inventory/skuratiooverride/import/")
    page.set_input_files("input[type=file]", str(upload))
    page.select_option("select[name=format]", label="csv")
    page.click("input[type=submit]")
    problems = page.locator("#import-problems li.import-problem")
    problems.first.wait_for()
    assert problems.all_inner_texts() == [
        "Line 3, column “ratio”: “lots” is not a number: write the ratio like 0.25"
    ]
    assert SkuRatioOverride.objects.count() == 0


def test_notification_search_by_email_and_preview(page):
    from django.utils import timezone

    wanted = story.email("split_package", state="sent", at=timezone.now(), recipient="Ann.Buyer@example.com")
    story.email("delivery_confirm", state="sent", at=timezone.now(), recipient="bob@example.com")
    page.goto(f"{page.base}/admin/notifications/notification/")
    page.fill("#searchbar", "ann.buyer@example.com")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/notification/?q=*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and wanted.order_number in rows.first.inner_text()
    rows.first.locator("th a").first.click()
    page.wait_for_url(f"**/notification/{wanted.pk}/change/**")
    with page.expect_popup() as popup:
        page.click("text=Show the email as sent")
    preview = popup.value
    preview.wait_for_load_state()
    assert preview.url.endswith(f"/notification/{wanted.pk}/render/")
    assert "example" in preview.content().lower() or preview.locator("body").inner_text().strip()
