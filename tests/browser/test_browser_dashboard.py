"""The front page in a real browser: figures, charts drawn by the vendored uPlot, problems highlighted."""

import pytest

from tests.browser.conftest import screenshot
from tests.dashboard import story

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboard_renders_with_data(page):
    from django.utils import timezone

    from integration_server.models import WorkerHeartbeat

    story.a_week()
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now())
    page.goto(f"{page.base}/admin/")
    orders = page.locator("#dashboard-orders")
    assert "Amazon" in orders.inner_text() and "eBay" in orders.inner_text()
    page.wait_for_selector("#chart-orders[data-drawn] canvas")
    page.wait_for_selector("#chart-emails[data-drawn] canvas")
    assert page.locator(".ops-chip-bad", has_text="Open alerts: 1").count() == 1
    screenshot(page, "dashboard")
    page.click("text=Failed jobs (24 h): 1")
    page.wait_for_url("**/outboundjob/?state__exact=failed")
    assert "orders.push_tracking" in page.locator("#result_list").inner_text()
