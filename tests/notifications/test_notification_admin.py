"""The notification log in the admin: search (email although encrypted), filters, send again, CSV, preview."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from integration_server.crypto import lookup_hash
from logistics.models import ShopifyShop, TrackedShipment, TrackingAccount
from notifications.models import Notification
from notifications.services.records import NotificationSpec, create_notifications
from tests.plugins.notifications import drain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("anymail_test_backend")]
URL = "/admin/notifications/notification/"


def _records(shop):
    specs = []
    for i, (email, kind, number) in enumerate(
        [
            ("ann@example.com", "delivery_confirm", "1ZADM001"),
            ("ann@example.com", "exception_alert", "1ZADM002"),
            ("bob@example.com", "presale_shipped", "1ZADM003"),
        ]
    ):
        specs.append(
            NotificationSpec(
                kind=kind,
                dedupe_key=f"{kind}:{number}",
                recipient=email,
                shop=shop,
                order_number=f"#30{i}",
                tracking_number=number,
                context={"brand": "B", "order_number": f"#30{i}", "tracking_number": number, "items": []},
            )
        )
    create_notifications(specs)
    drain()


@pytest.fixture
def records(shop):
    _records(shop)
    return Notification.objects.all()


def _ids(response):
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_email_address_finds_all_its_records_although_encrypted(admin_client, records):
    raw = Notification.objects.filter(recipient_hash=lookup_hash("ann@example.com")).values_list(
        "pk", flat=True
    )
    response = admin_client.get(URL, {"q": "  ANN@example.com "})
    assert response.status_code == 200
    assert _ids(response) == sorted(raw) and len(raw) == 2
    # the stored column is ciphertext: a plain text search on it finds nothing
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notifications_notification WHERE recipient LIKE %s", ["%ann@%"])
        assert cursor.fetchone()[0] == 0


def test_search_by_order_and_tracking_number(admin_client, records):
    assert len(_ids(admin_client.get(URL, {"q": "#302"}))) == 1
    assert len(_ids(admin_client.get(URL, {"q": "1ZADM002"}))) == 1


def test_filters_by_kind_state_and_date(admin_client, records):
    assert len(_ids(admin_client.get(URL, {"kind__exact": "presale_shipped"}))) == 1
    assert len(_ids(admin_client.get(URL, {"state__exact": "sent"}))) == 3
    assert len(_ids(admin_client.get(URL, {"created_at__year": str(timezone.now().year)}))) == 3


def test_change_page_shows_the_record_and_its_email(admin_client, records):
    record = records.first()
    response = admin_client.get(f"{URL}{record.pk}/change/")
    assert response.status_code == 200
    assert record.recipient in response.content.decode()
    rendered = admin_client.get(reverse("admin:notifications_notification_render", args=[record.pk]))
    assert rendered.status_code == 200 and record.tracking_number.encode() in rendered.content


def test_send_again_action_records_a_resend(admin_client, admin_user, records, anymail_test_backend):
    record = records.get(kind="presale_shipped")
    before = len(anymail_test_backend)
    asked = admin_client.post(URL, {"action": "send_again", "_selected_action": [record.pk]})
    assert b"1 email will be sent again to 1 customer" in asked.content
    assert not Notification.objects.filter(resend_of=record).exists()  # nothing before the confirmation
    response = admin_client.post(
        URL, {"action": "send_again", "_selected_action": [record.pk], "confirm": "yes"}, follow=True
    )
    assert response.status_code == 200
    drain()
    copy = Notification.objects.get(resend_of=record)
    assert copy.requested_by == admin_user.get_username() and copy.state == "sent"
    assert len(anymail_test_backend) == before + 1


def test_csv_export(admin_client, records):
    chosen = admin_client.post(
        URL, {"action": "export_admin_action", "_selected_action": [r.pk for r in records]}
    )
    form = chosen.context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.__class__.__name__ == "BooleanField"}
    data["format"] = next(value for value, label in form.fields["format"].choices if label.lower() == "csv")
    data["resource"] = "0"
    data["export_items"] = [str(pk) for pk in form.initial["export_items"]]
    response = admin_client.post(reverse("admin:notifications_notification_export"), data)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert {r["recipient"] for r in rows} == {"ann@example.com", "bob@example.com"}
    assert {r["state"] for r in rows} == {"sent"}


@pytest.mark.parametrize("kind", ["split_package", "presale_shipped", "exception_alert", "delivery_confirm"])
def test_template_preview_with_sample_data(admin_client, kind):
    index = admin_client.get(reverse("admin:notifications_notification_preview_index"))
    assert index.status_code == 200 and kind.encode() in index.content
    url = reverse("admin:notifications_notification_preview", args=[kind])
    html = admin_client.get(url).content.decode()
    assert "<!DOCTYPE html>" in html and 'name="viewport"' in html and "max-width:600px" in html
    assert "Sample Store" in html and "#1001" in html and "Hello Alex" in html
    text = admin_client.get(url, {"format": "text"}).content.decode()
    assert text.startswith("Subject: Sample Store") and "<" not in text.split("\n\n", 1)[1]


def test_changelist_has_no_n_plus_one(admin_client, records, django_assert_max_num_queries):
    _records_more = [
        Notification(kind="delivery_confirm", dedupe_key=f"delivery_confirm:X{i}", shop=records.first().shop)
        for i in range(50)
    ]
    Notification.objects.bulk_create(_records_more)
    with django_assert_max_num_queries(12):
        admin_client.get(URL)


def test_credentials_are_write_only_in_the_admin(admin_client, shop):
    page = admin_client.get(f"/admin/logistics/shopifyshop/{shop.pk}/change/").content.decode()
    assert shop.webhook_secret not in page and shop.admin_api_token not in page
    data = {
        "name": shop.name,
        "shop_domain": "TEST-store.myshopify.com ",
        "enabled": "on",
        "presale_rule": "sku_prefix",
        "presale_sku_prefixes": "PRE-",
        "admin_api_token": "",
        "webhook_secret": "rotated-secret",
    }
    response = admin_client.post(f"/admin/logistics/shopifyshop/{shop.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    shop = ShopifyShop.objects.get(pk=shop.pk)
    assert shop.shop_domain == "test-store.myshopify.com"
    assert shop.admin_api_token == "shpat_sim_token"  # blank kept the stored token
    assert (shop.webhook_secret, shop.previous_webhook_secret) == ("rotated-secret", "shopify-webhook-secret")
    assert shop.webhook_secret_changed_at is not None


def test_logistics_admin_pages_load(admin_client, shop, tracking_account):
    TrackedShipment.objects.create(
        tracking_number="1ZPAGE",
        shop=shop,
        recipient_email="zoe@example.com",
        email_hash=lookup_hash("zoe@example.com"),
    )
    for url in (
        "/admin/logistics/trackedshipment/",
        "/admin/logistics/trackedshipment/?q=zoe@example.com",
        "/admin/logistics/shopifyshop/",
        "/admin/logistics/shopifyorder/",
        f"/admin/logistics/trackingaccount/{TrackingAccount.objects.get().pk}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert tracking_account.api_key not in response.content.decode()
    assert b"1ZPAGE" in admin_client.get("/admin/logistics/trackedshipment/?q=zoe@example.com").content


def test_failed_email_is_visible_with_its_reason(admin_client, shop, settings):
    from tests.notifications import flaky_backend

    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FlakyEmailBackend"
    flaky_backend.SCRIPT[:] = ["api_error"]
    create_notifications(
        [
            NotificationSpec(
                kind="delivery_confirm",
                dedupe_key="delivery_confirm:1ZFAIL",
                recipient="fay@example.com",
                shop=shop,
                tracking_number="1ZFAIL",
                context={"brand": "B", "order_number": "#9", "tracking_number": "1ZFAIL", "items": []},
            )
        ]
    )
    from integration_server.outbox.runner import run_due_jobs

    run_due_jobs("notifications.send_email")
    page = admin_client.get(URL, {"state__exact": "failed"}).content.decode()
    assert "1ZFAIL" in page and "ESP answered 503" in page
    job_page = admin_client.get(
        "/admin/integration_server/outboundjob/", {"kind": "notifications.send_email"}
    )
    assert job_page.status_code == 200


def test_bulk_send_again_says_how_many_customers_will_be_emailed(admin_client, records):
    ids = [r.pk for r in records]  # two emails to ann, one to bob
    asked = admin_client.post(URL, {"action": "send_again", "_selected_action": ids})
    assert asked.status_code == 200
    assert b"3 emails will be sent again to 2 customers" in asked.content
    assert b"Yes, email 2 customers" in asked.content
    assert Notification.objects.filter(resend_of__isnull=False).count() == 0
    admin_client.post(URL, {"action": "send_again", "_selected_action": ids, "confirm": "yes"})
    assert Notification.objects.filter(resend_of__isnull=False).count() == 3


def test_send_again_button_on_a_notification_page_asks_then_sends(admin_client, records):
    record = records.get(kind="presale_shipped")
    page = admin_client.get(f"{URL}{record.pk}/change/").content.decode()
    action = f"{URL}{record.pk}/do/send-again/"
    assert f'href="{action}"' in page
    confirm = admin_client.get(action)
    assert b"will be sent again to the customer" in confirm.content
    assert not Notification.objects.filter(resend_of=record).exists()
    done = admin_client.post(action)
    assert done.status_code == 302 and done["Location"] == f"{URL}{record.pk}/change/"
    assert Notification.objects.filter(resend_of=record).count() == 1


def test_send_again_needs_the_change_permission(client, django_user_model, records):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    record = records.get(kind="presale_shipped")
    assert b"do/send-again" not in client.get(f"{URL}{record.pk}/change/").content
    assert client.get(f"{URL}{record.pk}/do/send-again/").status_code == 403
    assert client.post(f"{URL}{record.pk}/do/send-again/").status_code == 403
    assert not Notification.objects.filter(resend_of=record).exists()
