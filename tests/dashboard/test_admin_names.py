"""Point 12 of issue 16: names, site header, favicon, times in the operator's zone to the second."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from integration_server.models import OutboundJob

pytestmark = pytest.mark.django_db


def test_plural_names_and_site_header_and_favicon(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "Published quantities" in html and "Eccang order statuses" in html
    assert "quantitys" not in html and "statuss" not in html
    assert "Integration server · operations" in html and "Django administration" not in html
    assert 'rel="icon"' in html and "dashboard/favicon.svg" in html
    assert 'rel="icon"' in admin_client.get("/admin/integration_server/outboundjob/").content.decode()


@override_settings(TIME_ZONE="Europe/Amsterdam")
def test_times_in_the_operator_zone_without_microseconds(admin_client):
    at = dt.datetime(2026, 12, 3, 13, 5, 9, 123456, tzinfo=dt.UTC)
    job = OutboundJob.objects.create(kind="test.kind", payload={}, created_at=at)
    html = admin_client.get(f"/admin/integration_server/outboundjob/{job.pk}/change/").content.decode()
    assert "2026-12-03 14:05:09" in html  # 13:05 UTC is 14:05 in Amsterdam
    assert "123456" not in html
    assert timezone.get_current_timezone_name() == "Europe/Amsterdam"
