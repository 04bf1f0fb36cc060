"""The orders a marketplace still expects us to ship, for the apps that compare them with ours."""

from __future__ import annotations

from datetime import datetime

from marketplaces.connectors.base import PulledOrder, connector_for
from marketplaces.models import MarketplaceAccount, Order


class OpenOrdersUnavailable(Exception):
    """The account's channel has no connector, or its connector cannot list open orders."""


def open_orders(account: MarketplaceAccount, placed_before: datetime) -> list[PulledOrder]:
    """The orders still open on the marketplace and placed before ``placed_before`` (an order without a
    purchase time counts). Vendor errors propagate as the connector's typed errors."""
    try:
        orders = connector_for(account).list_open_orders()
        return [o for o in orders if o.purchased_at is None or o.purchased_at <= placed_before]
    except (LookupError, NotImplementedError) as exc:
        raise OpenOrdersUnavailable(str(exc)) from exc


def unknown_order_ids(account: MarketplaceAccount, marketplace_order_ids: list[str]) -> list[str]:
    """Those of ``marketplace_order_ids`` we never stored for the account, in the given order."""
    ours = set(
        Order.objects.filter(account=account, marketplace_order_id__in=marketplace_order_ids).values_list(
            "marketplace_order_id", flat=True
        )
    )
    return [i for i in marketplace_order_ids if i not in ours]
