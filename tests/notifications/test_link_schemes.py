"""Only http(s) links reach a customer email or the admin's email pages: a tracking URL with another scheme
(javascript:, data:, vbscript:, mixed case, leading blanks) is no link; the admin's email render and preview
pages carry a Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integration_server.crypto import lookup_hash
from integration_server.safe_urls import http_url
from notifications.models import Notification, NotificationKind
from notifications.services.preview import sample_context
from notifications.services.records import tracking_link
from notifications.services.sending import render_email

BAD = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https:/missing-host",
]


@pytest.mark.parametrize("url", BAD)
def test_the_helper_keeps_only_http_and_https(url):
    assert http_url(url) == ""


def test_the_helper_keeps_good_links():
    assert http_url("https://t.17track.net/en#nums=1Z9") == "https://t.17track.net/en#nums=1Z9"
    assert http_url("http://carrier.example/t?n=1") == "http://carrier.example/t?n=1"


def _poisoned(kind: str, url: str) -> dict:
    context = sample_context(kind)
    context["tracking_url"] = url
    context["review_url"] = url
    for package in context.get("packages", []):
        package["tracking_url"] = url
    return context


@pytest.mark.parametrize("kind", NotificationKind.values)
@pytest.mark.parametrize("url", BAD[:5])
def test_emails_link_no_other_scheme(kind, url):
    _subject, text, html = render_email(kind, _poisoned(kind, url))
    lowered = html.lower()
    assert "javascript:" not in lowered and "data:text" not in lowered and "vbscript:" not in lowered
    assert "java\tscript" not in lowered
    assert url.strip() not in text


def test_a_shipment_with_a_bad_tracking_url_gets_the_17track_link():
    class Shipment:
        tracking_url = "javascript:alert(1)"
        tracking_number = "1Z999"

    assert tracking_link(Shipment()) == "https://t.17track.net/en#nums=1Z999"


@pytest.mark.django_db
def test_admin_render_of_a_stored_email_links_nothing_bad_and_has_a_csp(admin_client):
    record = Notification.objects.create(
        kind="presale_shipped",
        dedupe_key="scheme:1",
        recipient="a@example.com",
        recipient_hash=lookup_hash("a@example.com"),
        context=_poisoned("presale_shipped", "javascript:alert(1)"),
    )
    response = admin_client.get(reverse("admin:notifications_notification_render", args=[record.pk]))
    assert response.status_code == 200
    assert b"javascript:" not in response.content
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "sandbox" in csp


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [None, "text"])
def test_admin_preview_pages_have_a_csp(admin_client, fmt):
    params = {"format": fmt} if fmt else {}
    page = admin_client.get(
        reverse("admin:notifications_notification_preview", args=["split_package"]), params
    )
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_a_tracking_url_with_another_scheme_is_not_stored():
    from logistics.tracking.services import ShipmentInfo, track_shipments

    info = ShipmentInfo(
        tracking_number="YT2300000099",
        order_number="O-99",
        recipient_email="buyer@example.com",
        tracking_url="javascript:alert(1)",
    )
    [shipment] = track_shipments("eccang", [info])
    assert shipment.tracking_url == ""
