"""Issue 9 point 9: subjects and sender per shop, edited in the admin with a preview; SMTP by EMAIL_URL; the
file backend outside DEBUG warns."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from integration_server.crypto import lookup_hash
from logistics.models import TrackedShipment
from logistics.tracking.provider import TrackingUpdate
from logistics.tracking.services import apply_tracking_updates
from notifications.checks import file_backend_in_production
from tests.plugins.notifications import drain, recent
from tests.settings_probe import settings_under

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


@pytest.mark.django_db
@override_settings(ALLOWED_VENDOR_HOSTS_EXTRA=["127.0.0.1"])  # the shop's base URL is the simulator's
def test_shop_subject_and_sender_are_used_and_previewed(client, shop, anymail_test_backend):
    admin_user = User.objects.create_superuser("ops", "ops@example.com", "pw")
    client.force_login(admin_user)
    url = f"/admin/logistics/shopifyshop/{shop.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("admin_api_token", "webhook_secret")
    }
    data.update(
        subject_delivery_confirm="Your {brand} parcel {tracking_number} arrived",
        sender_name="Fiido Care",
        sender_email="care@fiido.example",
        enabled="on",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # a broken template is refused with a message
    response = client.post(url, {**data, "subject_delivery_confirm": "Oops {order_number"})
    assert response.status_code == 200
    assert "subject_delivery_confirm" in response.context["adminform"].form.errors

    preview = client.get(
        f"/admin/notifications/notification/preview/delivery_confirm/?shop={shop.pk}&format=text"
    )
    text = preview.content.decode()
    assert "From: Fiido Care <care@fiido.example>" in text
    assert "Subject: Your Fiido Test parcel 1Z999AA10123456784 arrived" in text
    assert b"preview/delivery_confirm/?shop=" in client.get(url).content

    TrackedShipment.objects.create(
        tracking_number="1ZSUBJ0001",
        shop=shop,
        order_number="#7",
        recipient_email="kai@example.com",
        email_hash=lookup_hash("kai@example.com"),
    )
    apply_tracking_updates(
        [
            TrackingUpdate(
                number="1ZSUBJ0001", status="delivered", provider_status="Delivered", event_at=recent()
            )
        ],
        now=timezone.now(),
    )
    drain()
    [message] = anymail_test_backend
    assert message.subject == "Your Fiido Test parcel 1ZSUBJ0001 arrived"
    assert message.from_email == "Fiido Care <care@fiido.example>"


def test_file_backend_outside_debug_warns(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    [warning] = file_backend_in_production()
    assert warning.id == "notifications.W002" and "EMAIL_URL" in warning.hint
    settings.DEBUG = True
    assert file_backend_in_production() == []
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert file_backend_in_production() == []


def test_email_url_configures_smtp():
    out = settings_under(
        "[s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS]",
        EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587",
    )
    assert out == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.com", 587, "mailer", True]
