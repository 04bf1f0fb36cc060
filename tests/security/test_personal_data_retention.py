"""Issue 10 point 13: past PERSONAL_DATA_RETENTION_DAYS after shipping, buyer and recipient data is erased
from orders, shipments and notifications (hashes and business facts kept); daily schedule and command."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integration_server.crypto import lookup_hash
from integration_server.schedules import registered_schedules
from logistics.models import ShopifyOrder, ShopifyShop, TrackedShipment, TrackingUpdateLog
from marketplaces.models import MarketplaceAccount, Order
from notifications.models import Notification, NotificationEvent

pytestmark = pytest.mark.django_db

EMAIL = "lee@example.com"


def _make(n: int, age_days: int, tag: str):
    when = timezone.now() - timedelta(days=age_days)
    account = MarketplaceAccount.objects.get_or_create(
        name="Amazon US", channel="amazon", shipstation_store_id=7
    )[0]
    shop = ShopifyShop.objects.get_or_create(shop_domain="ret.myshopify.com", defaults={"name": "Ret"})[0]
    for i in range(n):
        order = Order.objects.create(
            account=account,
            marketplace_order_id=f"{tag}-{i}",
            state=Order.State.SHIPPED,
            order_total=Decimal("99.00"),
            buyer={"name": "Lee Example", "email": EMAIL, "address": "1 Main St"},
        )
        Order.objects.filter(pk=order.pk).update(updated_at=when, created_at=when)
        shopify_order = ShopifyOrder.objects.create(
            shop=shop,
            order_id=f"{tag}{i}",
            name=f"#{tag}{i}",
            email=EMAIL,
            email_hash=lookup_hash(EMAIL),
            customer_name="Lee Example",
            created_at=when,
        )
        shipment = TrackedShipment.objects.create(
            tracking_number=f"1Z{tag}{i}",
            order_number=f"#{tag}{i}",
            recipient_email=EMAIL,
            email_hash=lookup_hash(EMAIL),
            customer_name="Lee Example",
            shopify_order=shopify_order,
            status_description="Signed by LEE",
            created_at=when,
        )
        TrackingUpdateLog.objects.create(
            shipment=shipment, status="delivered", via="push", description="Signed by LEE"
        )
        notification = Notification.objects.create(
            kind="delivery_confirm",
            dedupe_key=f"{tag}-{i}",
            state="delivered",
            shipment=shipment,
            order_number=f"#{tag}{i}",
            tracking_number=f"1Z{tag}{i}",
            recipient=EMAIL,
            recipient_hash=lookup_hash(EMAIL),
            subject="Lee, your parcel arrived",
            context={"first_name": "Lee", "address": "1 Main St"},
            created_at=when,
        )
        NotificationEvent.objects.create(
            notification=notification, event_type="bounced", mta_response="550 lee"
        )


def test_purge_erases_old_personal_data_and_keeps_the_facts(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365
    _make(3, age_days=400, tag="OLD")
    _make(2, age_days=30, tag="NEW")

    out = StringIO()
    call_command("purge_personal_data", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "marketplace orders: 3 would be erased" in text and "customer emails: 3 would be erased" in text
    assert "12 rows would be erased" in text
    assert Order.objects.get(marketplace_order_id="OLD-0").buyer["email"] == EMAIL  # dry run changed nothing

    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("purge_personal_data", "--batch", "2", stdout=out)
    assert "tracked shipments: 2/3 erased" in out.getvalue() and "3/3 erased" in out.getvalue()
    assert "12 rows erased" in out.getvalue()
    assert len(queries) < 60  # batches, not one query per row

    old = Order.objects.get(marketplace_order_id="OLD-0")
    assert old.buyer == {} and old.personal_data_erased_at and old.order_total == Decimal("99.00")
    assert old.state == Order.State.SHIPPED
    shipment = TrackedShipment.objects.get(tracking_number="1ZOLD0")
    assert (shipment.recipient_email, shipment.customer_name, shipment.status_description) == ("", "", "")
    assert shipment.email_hash == lookup_hash(EMAIL) and shipment.order_number == "#OLD0"
    assert TrackingUpdateLog.objects.get(shipment=shipment).description == ""
    shopify_order = ShopifyOrder.objects.get(order_id="OLD0")
    assert (shopify_order.email, shopify_order.customer_name) == ("", "") and shopify_order.email_hash
    notification = Notification.objects.get(dedupe_key="OLD-0")
    assert (notification.recipient, notification.context, notification.subject) == ("", {}, "")
    assert notification.recipient_hash == lookup_hash(EMAIL) and notification.state == "delivered"
    assert NotificationEvent.objects.get(notification=notification).mta_response == ""

    # recent rows untouched
    assert Order.objects.get(marketplace_order_id="NEW-0").buyer["name"] == "Lee Example"
    assert TrackedShipment.objects.get(tracking_number="1ZNEW0").recipient_email == EMAIL
    assert Notification.objects.get(dedupe_key="NEW-0").recipient == EMAIL

    # a second run has nothing left to do
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "0 rows erased" in out.getvalue()


def test_unshipped_orders_are_kept(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 10
    _make(1, age_days=400, tag="OPEN")
    Order.objects.update(state=Order.State.SENT)
    call_command("purge_personal_data", stdout=StringIO())
    assert Order.objects.get().buyer["email"] == EMAIL


def test_runs_daily():
    [spec] = [s for s in registered_schedules() if s.name == "purge-personal-data"]
    assert spec.cron and spec.func.endswith("purge_personal_data_task")
