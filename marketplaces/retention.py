"""Personal data of marketplace orders past retention: the buyer (name, email, phone, ship-to) is erased;
ids, states, amounts, lines and dates stay."""

from __future__ import annotations

from marketplaces.models import Order

DONE_STATES = [Order.State.SHIPPED, Order.State.CANCELLED]


def orders_past_retention(cutoff):
    # updated_at moves with every change after shipment too, so retention only ever starts later
    return Order.objects.filter(
        state__in=DONE_STATES, updated_at__lt=cutoff, personal_data_erased_at__isnull=True
    )


def erase_orders(pks, now) -> None:
    Order.objects.filter(pk__in=pks).update(buyer={}, personal_data_erased_at=now)
