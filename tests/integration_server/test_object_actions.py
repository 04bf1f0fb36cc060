"""Detail pages carry their actions as buttons, each with a confirmation page; only the POST acts."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob

pytestmark = pytest.mark.django_db
JOBS = "/admin/integration_server/outboundjob/"


def _failed_job():
    return OutboundJob.objects.create(
        kind="test.never_registered",
        payload={},
        state="failed",
        attempts=4,
        retries_used=3,
        last_error="HTTP 500",
    )


def test_a_failed_job_page_offers_retry_not_cancel(admin_client):
    job = _failed_job()
    html = admin_client.get(f"{JOBS}{job.pk}/change/").content.decode()
    assert f'href="{JOBS}{job.pk}/do/retry/"' in html
    assert "/do/cancel/" not in html  # only a pending job can be cancelled


def test_retry_now_asks_first_then_makes_the_job_due(admin_client):
    job = _failed_job()
    confirm = admin_client.get(f"{JOBS}{job.pk}/do/retry/")
    assert confirm.status_code == 200
    assert b"will be run again at once" in confirm.content and b"Yes, retry now" in confirm.content
    job.refresh_from_db()
    assert job.state == "failed"
    done = admin_client.post(f"{JOBS}{job.pk}/do/retry/")
    assert done.status_code == 302 and done["Location"] == f"{JOBS}{job.pk}/change/"
    job.refresh_from_db()
    assert job.retries_used == 0 and job.state != "failed"


def test_cancel_a_pending_job_from_its_page(admin_client):
    job = OutboundJob.objects.create(kind="test.never_registered", payload={}, state="pending")
    html = admin_client.get(f"{JOBS}{job.pk}/change/").content.decode()
    assert "/do/cancel/" in html and "/do/retry/" in html
    assert b"will be cancelled" in admin_client.get(f"{JOBS}{job.pk}/do/cancel/").content
    admin_client.post(f"{JOBS}{job.pk}/do/cancel/")
    job.refresh_from_db()
    assert job.state == "cancelled"


def test_an_action_that_no_longer_applies_does_nothing(admin_client):
    job = OutboundJob.objects.create(kind="test.never_registered", payload={}, state="succeeded")
    response = admin_client.post(f"{JOBS}{job.pk}/do/retry/", follow=True)
    assert b"does not apply" in response.content
    job.refresh_from_db()
    assert job.state == "succeeded"


def test_job_actions_need_the_change_permission(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboundjob"))
    client.force_login(viewer)
    job = _failed_job()
    assert b"/do/retry/" not in client.get(f"{JOBS}{job.pk}/change/").content
    assert client.post(f"{JOBS}{job.pk}/do/retry/").status_code == 403
    job.refresh_from_db()
    assert job.state == "failed"


def test_unknown_action_is_404(admin_client):
    job = _failed_job()
    assert admin_client.get(f"{JOBS}{job.pk}/do/explode/").status_code == 404
