"""Shopify fulfillment processing: read the current order, keep one shipment per tracking number linked to
the order and the customer's email, decide split package / pre-sale, and tell the registered reactions."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from integration_server.crypto import lookup_hash
from integration_server.raw_payloads import webhook_job_kind, webhook_kind
from integration_server.safe_urls import http_url
from logistics.models import ShopifyOrder, ShopifyShop, TrackedShipment, TrackingStatus
from logistics.shopify.client import ShopifyClient, ShopifyConfigurationError
from logistics.shopify.rules import Package, packages_of, presale_items, split_decision
from logistics.tracking import events
from logistics.tracking.services import enqueue_registration

log = logging.getLogger(__name__)

FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")


def external_id_for(shop_domain: str, fulfillment_id) -> str:
    return f"{shop_domain}|{fulfillment_id}"


@webhook_job_kind("shopify", retries=5)
def process_fulfillment_webhook(raw, payload) -> dict | str:
    """Shopify fulfillment: read the order, store shipments, split / pre-sale emails. The view stored the topic as ``kind`` and ``<shop domain>|<fulfillment id>``
    as ``external_id``."""
    if raw.kind not in FULFILLMENT_TOPICS or not isinstance(payload, dict):
        return "ignored"
    domain = raw.external_id.split("|", 1)[0]
    shop = ShopifyShop.objects.get(shop_domain=domain)
    order = fetch_order_or_flag_shop(shop, payload["order_id"])
    order = merge_webhook_fulfillment(order, payload)
    return record_shipped_order(shop, str(payload["order_id"]), order)


def fetch_order_or_flag_shop(shop: ShopifyShop, order_id) -> dict:
    """The order through the Admin API. A configuration error (missing app scope ...) is written on the
    shop, where ops see it, and re-raised: the job fails and is retried when the shop is saved."""
    try:
        order = ShopifyClient(shop).fetch_order(order_id)
    except ShopifyConfigurationError as exc:
        ShopifyShop.objects.filter(pk=shop.pk).update(
            configuration_error=str(exc)[:2000], configuration_error_at=timezone.now()
        )
        log.warning("shopify.configuration_error", extra={"shop_id": shop.pk})
        raise
    if shop.configuration_error:
        ShopifyShop.objects.filter(pk=shop.pk).update(configuration_error="", configuration_error_at=None)
        shop.configuration_error = ""
    return order


def retry_after_configuration_fix(shop: ShopifyShop) -> int:
    """Clear the shop's configuration error and make its failed fulfillment jobs due again (called when ops
    save the shop). Returns the number of jobs retried."""
    from integration_server.models import OutboundJob, RawPayload
    from integration_server.outbox.runner import retry_now

    ShopifyShop.objects.filter(pk=shop.pk).update(configuration_error="", configuration_error_at=None)
    raw_ids = list(
        RawPayload.objects.filter(
            source="shopify", external_id__startswith=f"{shop.shop_domain}|", state=RawPayload.State.FAILED
        ).values_list("pk", flat=True)
    )
    if not raw_ids:
        return 0
    jobs = OutboundJob.objects.filter(
        kind=webhook_kind("shopify"), state=OutboundJob.State.FAILED, payload__raw_payload_id__in=raw_ids
    ).values_list("pk", flat=True)
    return retry_now(list(jobs))


def fulfillment_from_webhook(payload: dict) -> dict:
    """The REST-shaped webhook fulfillment in the GraphQL shape of ORDER_QUERY."""
    numbers = list(payload.get("tracking_numbers") or [])
    if not numbers and payload.get("tracking_number"):
        numbers = [payload["tracking_number"]]
    urls = list(payload.get("tracking_urls") or [])
    return {
        "id": f"gid://shopify/Fulfillment/{payload.get('id')}",
        "name": payload.get("name") or "",
        "status": (payload.get("status") or "").upper(),
        "trackingInfo": [
            {
                "number": number,
                "company": payload.get("tracking_company") or "",
                "url": urls[i] if i < len(urls) else (payload.get("tracking_url") or ""),
            }
            for i, number in enumerate(numbers)
        ],
        "fulfillmentLineItems": {
            "nodes": [
                {
                    "quantity": line.get("quantity") or 0,
                    "lineItem": {
                        "id": f"gid://shopify/LineItem/{line.get('id')}",
                        "sku": line.get("sku") or "",
                        "name": line.get("name") or line.get("title") or "",
                    },
                }
                for line in payload.get("line_items") or []
            ]
        },
    }


def merge_webhook_fulfillment(order: dict, payload: dict) -> dict:
    """The API may lag behind the webhook: add the webhook's fulfillment, or its tracking, where missing."""
    own = fulfillment_from_webhook(payload)
    fulfillments = list(order.get("fulfillments") or [])
    for i, existing in enumerate(fulfillments):
        if str(existing.get("id")).rsplit("/", 1)[-1] == str(payload.get("id")):
            if not existing.get("trackingInfo") and own["trackingInfo"]:
                fulfillments[i] = {**existing, "trackingInfo": own["trackingInfo"]}
            break
    else:
        fulfillments.append(own)
    return {**order, "fulfillments": fulfillments}


def _customer_first_name(order: dict) -> str:
    for key in ("customer", "shippingAddress"):
        first = ((order.get(key) or {}).get("firstName") or "").strip()
        if first:
            return first
    return ""


def _lines(order: dict) -> list[dict]:
    return [
        {
            "id": str(node.get("id") or "").rsplit("/", 1)[-1],
            "sku": node.get("sku") or "",
            "title": node.get("name") or "",
            "quantity": int(node.get("quantity") or 0),
            "unfulfilled": int(node.get("unfulfilledQuantity") or 0),
            "requires_shipping": bool(node.get("requiresShipping", True)),
            "tags": list((node.get("product") or {}).get("tags") or []),
        }
        for node in ((order.get("lineItems") or {}).get("nodes") or [])
    ]


def _items(package: Package) -> list[dict]:
    return [{"sku": sku, "title": title, "quantity": qty} for sku, title, qty in package.items]


def correct_tracking_numbers(shopify_order: ShopifyOrder, packages: list[Package]) -> list[str]:
    """A fulfillment whose tracking number was corrected (``fulfillments/update``): its shipment takes the
    new number, with the tracking reset, so the new number is registered and tracked instead of the old one,
    and the emails keyed on the fulfillment are not sent again. Returns the new numbers."""
    if shopify_order.pk is None:
        return []
    by_fulfillment: dict[str, list[str]] = {}
    for package in packages:
        by_fulfillment.setdefault(package.fulfillment_id, []).append(package.tracking_number)
    numbers = [p.tracking_number for p in packages]
    known = set(
        TrackedShipment.objects.filter(tracking_number__in=numbers).values_list("tracking_number", flat=True)
    )
    replaced = (
        TrackedShipment.objects.select_for_update()
        .filter(shopify_order=shopify_order, fulfillment_id__in=list(by_fulfillment))
        .exclude(tracking_number__in=numbers)
        .order_by("pk")
    )
    corrected = []
    for shipment in replaced:
        unseen = [n for n in by_fulfillment[shipment.fulfillment_id] if n not in known]
        if not unseen:
            continue  # a number removed without a replacement: keep what we have
        new_number = unseen[0]
        known.add(new_number)
        log.info("shopify.tracking_number_corrected", extra={"shipment_id": shipment.pk})
        TrackedShipment.objects.filter(pk=shipment.pk).update(
            tracking_number=new_number[:100],
            registration=TrackedShipment.Registration.PENDING,
            registration_error="",
            registered_at=None,
            status=TrackingStatus.PENDING,
            provider_status="",
            provider_sub_status="",
            status_description="",
            carrier_code="",
            last_event_at=None,
            last_push_at=None,
            last_polled_at=None,
        )
        corrected.append(new_number)
    return corrected


def record_shipped_order(shop: ShopifyShop, order_id: str, order: dict) -> dict:
    email = (order.get("email") or "").strip()
    customer = _customer_first_name(order)
    lines = _lines(order)
    packages = packages_of(order)
    split, split_reason = split_decision(order)
    with transaction.atomic():
        shopify_order, _ = ShopifyOrder.objects.update_or_create(
            shop=shop,
            order_id=order_id,
            defaults={
                "name": order.get("name") or order_id,
                "email": email,
                "email_hash": lookup_hash(email) if email else "",
                "customer_name": customer,
                "lines": lines,
                "fulfillment_status": order.get("displayFulfillmentStatus") or "",
                "package_count": len(packages),
            },
        )
        numbers = [p.tracking_number for p in packages]
        corrected = correct_tracking_numbers(shopify_order, packages)
        existing = {
            s.tracking_number: s
            for s in TrackedShipment.objects.select_for_update()
            .filter(tracking_number__in=numbers)
            .order_by("pk")
        }
        fresh, changed = [], []
        for package in packages:
            fields = {
                "carrier": package.carrier[:100],
                "tracking_url": http_url(package.url)[:1000],
                "source": "shopify",
                "shop": shop,
                "shopify_order": shopify_order,
                "order_number": shopify_order.name,
                "fulfillment_id": package.fulfillment_id,
                "recipient_email": email,
                "email_hash": lookup_hash(email) if email else "",
                "customer_name": customer,
                "items": _items(package),
            }
            shipment = existing.get(package.tracking_number)
            if shipment is None:
                fresh.append(TrackedShipment(tracking_number=package.tracking_number, **fields))
            else:
                for name, value in fields.items():
                    setattr(shipment, name, value)
                changed.append(shipment)
        TrackedShipment.objects.bulk_create(fresh, ignore_conflicts=True)
        if changed:
            TrackedShipment.objects.bulk_update(
                changed,
                [
                    "carrier",
                    "tracking_url",
                    "source",
                    "shop",
                    "shopify_order",
                    "order_number",
                    "fulfillment_id",
                    "recipient_email",
                    "email_hash",
                    "customer_name",
                    "items",
                    "updated_at",
                ],
            )
        shipments = {
            s.tracking_number: s
            for s in TrackedShipment.objects.filter(tracking_number__in=numbers).select_related(
                "shop", "shopify_order"
            )
        }
        new_shipments = [shipments[s.tracking_number] for s in fresh if s.tracking_number in shipments]
        enqueue_registration(new_shipments + [shipments[n] for n in corrected if n in shipments])

        tags_by_sku = {line["sku"]: line["tags"] for line in lines if line["sku"]}
        rule = {"rule": shop.presale_rule, "prefixes": shop.sku_prefixes(), "presale_tags": shop.tags()}
        presale, done_fulfillments = [], set()
        for package in packages:
            if package.fulfillment_id in done_fulfillments:
                continue  # one pre-sale email per fulfillment, keyed on its first tracking number
            matched = presale_items(package, tags_by_sku, **rule)
            if matched:
                done_fulfillments.add(package.fulfillment_id)
                same = [p.tracking_number for p in packages if p.fulfillment_id == package.fulfillment_id]
                presale.append((shipments[package.tracking_number], same, matched))
        shipped = events.ShippedOrder(
            order=shopify_order,
            shipments=[shipments[n] for n in numbers if n in shipments],
            new_shipments=new_shipments,
            split=split,
            split_reason=split_reason,
            presale=presale,
        )
        events.ORDERS_SHIPPED.send([shipped])
    log.info(
        "shopify.fulfillment_processed",
        extra={"packages": len(packages), "split": split, "presale": len(presale)},
    )
    return {
        "order": shopify_order.name,
        "packages": len(packages),
        "new_shipments": len(new_shipments),
        "split": split,
        "presale": len(presale),
    }
