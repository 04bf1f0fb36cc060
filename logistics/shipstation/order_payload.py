"""What we send to ShipStation for a marketplace order (pure: no database, no HTTP)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from marketplaces.connectors import connector_class


def order_key_for(channel: str, account_id: int, marketplace_order_id: str) -> str:
    """Stable per (channel, order id): a retry updates the ShipStation order instead of duplicating it.
    Where order ids are only unique inside one account (Mirakl operators), the key names the account."""
    cls = connector_class(channel)
    if cls is None or cls.order_ids_globally_unique:
        return f"{channel}:{marketplace_order_id}"
    return f"{channel}-{account_id}:{marketplace_order_id}"


# ShipStation V1 reads and writes timestamps without an offset, in Pacific time (PST/PDT).
SHIPSTATION_TIME_ZONE = ZoneInfo("America/Los_Angeles")


def ss_datetime(value: datetime | None) -> str | None:
    """An aware datetime as ShipStation V1 reads it: Pacific local time, no offset."""
    if value is None:
        return None
    return value.astimezone(SHIPSTATION_TIME_ZONE).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _num(value: Decimal | None):
    return float(value) if value is not None else None


def build_order(order, lines, *, order_key: str, store_id: int, status: str = "awaiting_shipment") -> dict:
    """The whole ShipStation Order object (V1 has no partial update: every update resends all of it)."""
    buyer = order.buyer or {}
    ship_to = buyer.get("ship_to") or {}
    address = {
        "name": ship_to.get("name") or buyer.get("name") or "",
        "company": ship_to.get("company") or None,
        "street1": ship_to.get("street1") or "",
        "street2": ship_to.get("street2") or None,
        "street3": ship_to.get("street3") or None,
        "city": ship_to.get("city") or "",
        "state": ship_to.get("state") or "",
        "postalCode": ship_to.get("postal_code") or "",
        "country": ship_to.get("country") or "",
        "phone": ship_to.get("phone") or buyer.get("phone") or None,
        "residential": ship_to.get("residential"),
    }
    return {
        "orderNumber": order.marketplace_order_id,
        "orderKey": order_key,
        "orderDate": ss_datetime(order.purchased_at or order.created_at),
        "paymentDate": ss_datetime(order.purchased_at or order.created_at),
        "orderStatus": status,
        "customerUsername": buyer.get("email") or None,
        "customerEmail": buyer.get("email") or None,
        "billTo": {"name": buyer.get("name") or address["name"]},
        "shipTo": address,
        "items": [
            {
                "lineItemKey": line.line_id,
                "sku": line.sku,
                "name": line.title or line.sku,
                "quantity": line.quantity,
                "unitPrice": _num(line.unit_price),
                "adjustment": False,
            }
            for line in lines
            if line.quantity > 0  # a line the marketplace cancelled is not sent
        ],
        "amountPaid": _num(order.order_total),
        "shippingAmount": _num(getattr(order, "shipping_amount", None)),
        "taxAmount": _num(getattr(order, "tax_amount", None)),
        "shipByDate": ss_datetime(getattr(order, "ship_by", None)),
        "requestedShippingService": getattr(order, "shipping_service", "") or None,
        "advancedOptions": {
            "storeId": store_id,
            "customField1": order.marketplace_order_id,
            # V1 orders have no currency field: the amounts' currency goes in a custom field
            "customField3": f"Currency: {order.currency}" if getattr(order, "currency", "") else None,
            "source": order.account.channel if hasattr(order, "account") else "",
        },
    }
