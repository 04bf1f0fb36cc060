"""A failed job retried from its own page, through the confirmation page."""

import pytest

from integration_server.models import OutboundJob
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_retry_a_failed_job_from_its_page(page):
    job = OutboundJob.objects.create(
        kind="orders.push_tracking",
        payload={"shipment_id": 0},
        state="failed",
        attempts=6,
        retries_used=5,
        last_error="HTTP 503 from the marketplace",
    )
    page.goto(f"{page.base}/admin/integration_server/outboundjob/{job.pk}/change/")
    assert page.locator("a.ops-object-action", has_text="Cancel").count() == 0
    screenshot(page, "job-page")
    page.click("a.ops-object-action:has-text('Retry now')")
    assert "will be run again at once" in page.locator("#content-main").inner_text()
    page.click("#confirm-action")
    page.wait_for_url(f"**/outboundjob/{job.pk}/change/")
    assert f"Job #{job.pk} queued to run now." in page.locator(".messagelist").inner_text()
    job.refresh_from_db()
    # it ran again at once (the worker runs inline in tests): a 7th attempt, the first retry of a fresh budget
    assert (job.attempts, job.retries_used, job.state) == (7, 1, "pending")
