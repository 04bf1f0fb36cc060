"""The split-package and pre-sale decisions (pure: plain dicts in, answers out).

``order`` is the GraphQL order (logistics.shopify.client.ORDER_QUERY), merged with the webhook's own
fulfillment where the API has not caught up yet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    tracking_number: str
    carrier: str
    url: str
    fulfillment_id: str
    items: tuple[tuple[str, str, int], ...]  # (sku, title, quantity)


def _gid_tail(gid) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def packages_of(order: dict) -> list[Package]:
    """One package per distinct tracking number across every fulfillment (first seen wins)."""
    seen: dict[str, Package] = {}
    for fulfillment in order.get("fulfillments") or []:
        if (fulfillment.get("status") or "").upper() in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        items = tuple(
            (
                (node.get("lineItem") or {}).get("sku") or "",
                (node.get("lineItem") or {}).get("name") or "",
                int(node.get("quantity") or 0),
            )
            for node in ((fulfillment.get("fulfillmentLineItems") or {}).get("nodes") or [])
        )
        for info in fulfillment.get("trackingInfo") or []:
            number = (info.get("number") or "").strip()
            if number and number not in seen:
                seen[number] = Package(
                    tracking_number=number,
                    carrier=info.get("company") or "",
                    url=info.get("url") or "",
                    fulfillment_id=_gid_tail(fulfillment.get("id")),
                    items=items,
                )
    return list(seen.values())


def split_decision(order: dict) -> tuple[bool, str]:
    """The order's items travel in more than one package: several tracking numbers, or a fulfillment that
    leaves shippable items unfulfilled."""
    packages = packages_of(order)
    if len(packages) > 1:
        return True, f"{len(packages)} tracking numbers"
    if not packages:
        return False, "nothing shipped with a tracking number"
    status = (order.get("displayFulfillmentStatus") or "").upper()
    pending = sum(
        int(line.get("unfulfilledQuantity") or 0)
        for line in ((order.get("lineItems") or {}).get("nodes") or [])
        if line.get("requiresShipping", True)
    )
    if pending > 0 or status == "PARTIALLY_FULFILLED":
        return True, f"partial fulfillment: {pending} item(s) still to ship"
    return False, "one package"


def is_presale_line(
    sku: str, tags: list[str], *, rule: str, prefixes: list[str], presale_tags: list[str]
) -> bool:
    if rule == "product_tag":
        wanted = {t.strip().lower() for t in presale_tags}
        return any(t.strip().lower() in wanted for t in tags or [])
    sku = (sku or "").upper()
    return any(sku.startswith(p.upper()) for p in prefixes if p)


def presale_items(package: Package, tags_by_sku: dict[str, list[str]], **rule) -> list[dict]:
    """The lines of ``package`` that match the shop's pre-sale rule."""
    return [
        {"sku": sku, "title": title, "quantity": qty}
        for sku, title, qty in package.items
        if is_presale_line(sku, tags_by_sku.get(sku, []), **rule)
    ]
