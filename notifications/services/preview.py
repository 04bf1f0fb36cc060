"""Sample data for the template preview in the admin."""

from __future__ import annotations

SAMPLE_ITEMS = [
    {"sku": "PRE-EBIKE-T1", "title": "City e-bike T1 (pre-order)", "quantity": 1},
    {"sku": "ACC-LOCK-01", "title": "Folding lock", "quantity": 2},
]


def sample_context(kind: str) -> dict:
    base = {
        "brand": "Sample Store",
        "customer_name": "Alex",
        "order_number": "#1001",
        "support_email": "support@example.com",
        "review_url": "https://example.com/review/1001",
        "tracking_number": "1Z999AA10123456784",
        "carrier": "UPS",
        "tracking_url": "https://t.17track.net/en#nums=1Z999AA10123456784",
        "items": SAMPLE_ITEMS,
    }
    if kind == "split_package":
        return {
            **base,
            "package_count": 2,
            "package_phrase": "2 packages",
            "more_to_follow": False,
            "packages": [
                {
                    "tracking_number": "1Z999AA10123456784",
                    "carrier": "UPS",
                    "tracking_url": "https://t.17track.net/en#nums=1Z999AA10123456784",
                    "items": SAMPLE_ITEMS[:1],
                },
                {
                    "tracking_number": "9400111899223197428490",
                    "carrier": "USPS",
                    "tracking_url": "https://t.17track.net/en#nums=9400111899223197428490",
                    "items": SAMPLE_ITEMS[1:],
                },
            ],
            "pending_items": [],
        }
    if kind == "presale_shipped":
        return {**base, "items": SAMPLE_ITEMS[:1], "tracking_numbers": ["1Z999AA10123456784"]}
    if kind == "exception_alert":
        return {
            **base,
            "status": "delivery_failure",
            "status_phrase": "A delivery attempt failed.",
            "status_description": "Receiver not available at the time of delivery",
        }
    if kind == "aftersales_shipped":
        return {**base, "order_number": "AS-20261101-7", "items": []}
    return base


def shop_sample_context(shop, kind: str) -> dict:
    """Sample data as one shop's customers would get it: its brand, support address, review link, subject."""
    from notifications.services.records import base_context, with_shop_subject

    base = base_context(shop, customer_name="Alex", order_number="#1001")
    return with_shop_subject(shop, kind, {**sample_context(kind), **base})
