"""Personal data of shipments past retention: recipient email and name, the carriers' event descriptions
(they can name who signed), the Shopify order's email and name. The email hashes, tracking numbers,
statuses, items and dates stay."""

from __future__ import annotations

from logistics.models import ShopifyOrder, TrackedShipment, TrackingUpdateLog


def shipments_past_retention(cutoff):
    return TrackedShipment.objects.filter(created_at__lt=cutoff, personal_data_erased_at__isnull=True)


def erase_shipments(pks, now) -> None:
    TrackedShipment.objects.filter(pk__in=pks).update(
        recipient_email="", customer_name="", status_description="", personal_data_erased_at=now
    )
    TrackingUpdateLog.objects.filter(shipment_id__in=pks).update(description="")


def shopify_orders_past_retention(cutoff):
    return ShopifyOrder.objects.filter(created_at__lt=cutoff, personal_data_erased_at__isnull=True)


def erase_shopify_orders(pks, now) -> None:
    ShopifyOrder.objects.filter(pk__in=pks).update(email="", customer_name="", personal_data_erased_at=now)
