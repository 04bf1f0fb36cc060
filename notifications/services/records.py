"""Turning shipment facts into notification records (exactly once, by the unique dedupe key) and their
"send email" outbox jobs, in the caller's transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integration_server.crypto import lookup_hash
from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_jobs
from integration_server.safe_urls import http_url
from notifications import conf, rules
from notifications.models import Notification
from notifications.services.sending import SEND_JOB

log = logging.getLogger(__name__)


STATUS_PHRASES = {
    "alert": "The carrier reported a problem with your parcel.",
    "undelivered": "The carrier could not deliver your parcel.",
    "delivery_failure": "A delivery attempt failed.",
    "returning": "Your parcel is on its way back to us.",
    "returned": "Your parcel was returned to us.",
    "problem": "Our warehouse reported a problem with it.",
}


@dataclass
class NotificationSpec:
    kind: str
    dedupe_key: str
    recipient: str
    context: dict
    shipment: object | None = None
    shop: object | None = None
    order_number: str = ""
    tracking_number: str = ""
    tracking_status: str = ""
    event_at: datetime | None = None
    suppressed_because: str = ""
    send_after: datetime | None = None  # the send job waits until then (the split email's settle window)
    extra: dict = field(default_factory=dict)


def tracking_link(shipment) -> str:
    return http_url(shipment.tracking_url) or f"https://t.17track.net/en#nums={shipment.tracking_number}"


def sender_for(shop) -> str:
    address = (shop.sender_email if shop else "") or settings.DEFAULT_FROM_EMAIL
    name = (shop.sender_name or shop.brand) if shop else conf.NOTIFICATION_DEFAULT_BRAND
    return formataddr((name, address))


def with_shop_subject(shop, kind: str, context: dict) -> dict:
    """The shop's own subject for this kind travels in the record's context (rendered at send time)."""
    template = shop.subject_template(kind) if shop is not None else ""
    return {**context, "subject_template": template} if template else context


def base_context(shop, *, customer_name: str, order_number: str) -> dict:
    return {
        "brand": shop.brand if shop else conf.NOTIFICATION_DEFAULT_BRAND,
        "customer_name": customer_name,
        "order_number": order_number,
        "support_email": (shop.sender_email if shop else "") or settings.DEFAULT_FROM_EMAIL,
        "review_url": (shop.review_url if shop else "") or conf.NOTIFICATION_DEFAULT_REVIEW_URL,
    }


def package_phrase(count: int, more_to_come: bool) -> str:
    """'2 packages', '1 package'; 'several packages' while lines remain unshipped (the count will grow)."""
    if more_to_come:
        return "several packages"
    return f"{count} package{'' if count == 1 else 's'}"


def split_context(shipped, base: dict) -> dict:
    """Every package of the order known now, with its tracking link, and what is still to ship."""
    order = shipped.order
    pending = [
        {"title": line["title"] or line["sku"], "quantity": line["unfulfilled"]}
        for line in order.lines
        if line.get("unfulfilled") and line.get("requires_shipping", True)
    ]
    count = len(shipped.shipments)
    return {
        **base,
        "items": [
            {"sku": line["sku"], "title": line["title"], "quantity": line["quantity"]} for line in order.lines
        ],
        "packages": [package_context(s) for s in shipped.shipments],
        "package_count": count,
        "package_phrase": package_phrase(count, bool(pending)),
        "pending_items": pending,
        "more_to_follow": bool(pending),
    }


def package_context(shipment) -> dict:
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "tracking_url": tracking_link(shipment),
        "items": list(shipment.items or []),
    }


# --- subscribed to the hooks of logistics.tracking.events------------------------------------------------------
def notify_orders_shipped(shipped_orders: list) -> None:
    """``split_package`` once per order; ``presale_shipped`` once per shipment."""
    specs = []
    now = timezone.now()
    legacy_presale = presale_sent_by_tracking_number(
        [n for shipped in shipped_orders for _, numbers, _ in shipped.presale for n in numbers]
    )
    for shipped in shipped_orders:
        order, shop = shipped.order, shipped.order.shop
        base = base_context(shop, customer_name=order.customer_name, order_number=order.name)
        if shipped.split:
            order_ref = f"shopify:{shop.pk}:{order.order_id}"
            specs.append(
                NotificationSpec(
                    kind=rules.SPLIT_PACKAGE,
                    dedupe_key=rules.dedupe_key(rules.SPLIT_PACKAGE, order_ref=order_ref),
                    recipient=order.email,
                    shop=shop,
                    shipment=shipped.shipments[0] if shipped.shipments else None,
                    order_number=order.name,
                    tracking_number=", ".join(s.tracking_number for s in shipped.shipments)[:100],
                    context=split_context(shipped, base),
                    suppressed_because=rules.suppression_reason(
                        rules.SPLIT_PACKAGE, recipient=order.email, event_at=None, now=now
                    ),
                    send_after=now + timedelta(minutes=conf.SPLIT_EMAIL_SETTLE_MINUTES),
                )
            )
        for shipment, numbers, items in shipped.presale:
            if set(numbers) & legacy_presale:
                continue  # sent under the key of the previous release (per tracking number)
            specs.append(
                NotificationSpec(
                    kind=rules.PRESALE_SHIPPED,
                    dedupe_key=rules.dedupe_key(
                        rules.PRESALE_SHIPPED,
                        order_ref=f"shopify:{shop.pk}:{shipment.fulfillment_id}"
                        if shipment.fulfillment_id
                        else "",
                        tracking_number=shipment.tracking_number,
                    ),
                    recipient=order.email,
                    shop=shop,
                    shipment=shipment,
                    order_number=order.name,
                    tracking_number=shipment.tracking_number,
                    context={
                        **base,
                        **package_context(shipment),
                        "items": items,
                        "tracking_numbers": numbers,
                    },
                    suppressed_because=rules.suppression_reason(
                        rules.PRESALE_SHIPPED, recipient=order.email, event_at=None, now=now
                    ),
                )
            )
    refresh_waiting_split_emails([s for s in specs if s.kind == rules.SPLIT_PACKAGE])
    create_notifications(specs)


def presale_sent_by_tracking_number(numbers: list[str]) -> set[str]:
    """Numbers that already have a pre-sale record keyed on the tracking number (before the key became the
    fulfillment), so that a later update of such a fulfillment does not email again."""
    if not numbers:
        return set()
    keys = [rules.dedupe_key(rules.PRESALE_SHIPPED, tracking_number=n) for n in numbers]
    return {
        key.split(":", 1)[1]
        for key in Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    }


def refresh_waiting_split_emails(specs: list[NotificationSpec]) -> int:
    """A split email still inside its settle window takes the order's newest packages and lines.

    Its send job row is locked while the record changes: a worker claims jobs with SKIP LOCKED, so it
    cannot start sending the old text meanwhile; a job already claimed or done leaves the record as sent.
    """
    if not specs:
        return 0
    by_key = {spec.dedupe_key: spec for spec in specs}
    waiting = {
        n.pk: n
        for n in Notification.objects.select_for_update()
        .filter(dedupe_key__in=list(by_key), state=Notification.State.PENDING)
        .order_by("pk")
    }
    if not waiting:
        return 0
    jobs = (
        OutboundJob.objects.select_for_update()
        .filter(
            kind=SEND_JOB, dedupe_key__in=[f"send:{pk}" for pk in waiting], state=OutboundJob.State.PENDING
        )
        .order_by("pk")
    )
    refreshed = 0
    for job in jobs:
        notification = waiting[job.payload["notification_id"]]
        spec = by_key[notification.dedupe_key]
        notification.context = with_shop_subject(spec.shop, spec.kind, spec.context)
        notification.tracking_number = spec.tracking_number[:100]
        notification.save(update_fields=["context", "tracking_number", "updated_at"])
        refreshed += 1
    return refreshed


def notify_status_changes(changes: list) -> None:
    """``exception_alert`` once per (number, exception status); ``delivery_confirm`` once per number."""
    now = timezone.now()
    specs = []
    for change in changes:
        kind = rules.kind_for_status(change.status)
        if kind is None:
            continue
        shipment = change.shipment
        shop = shipment.shop
        context = {
            **base_context(shop, customer_name=shipment.customer_name, order_number=shipment.order_number),
            **package_context(shipment),
            "status": change.status,
            "status_phrase": STATUS_PHRASES.get(change.status, ""),
            "status_description": change.description,
        }
        specs.append(
            NotificationSpec(
                kind=kind,
                dedupe_key=rules.dedupe_key(
                    kind, tracking_number=shipment.tracking_number, status=change.status
                ),
                recipient=shipment.recipient_email,
                shop=shop,
                shipment=shipment,
                order_number=shipment.order_number,
                tracking_number=shipment.tracking_number,
                tracking_status=change.status,
                event_at=change.event_at,
                context=context,
                suppressed_because=rules.suppression_reason(
                    kind,
                    recipient=shipment.recipient_email,
                    event_at=change.event_at,
                    now=now,
                    delivered_at=shipment.delivered_at,
                    max_age_days=conf.NOTIFICATION_MAX_EVENT_AGE_DAYS,
                ),
            )
        )
    create_notifications(specs)


def notify_aftersales_changes(changes: list) -> None:
    """Eccang after-sales orders: ``aftersales_shipped`` once per reference; a status mapped as a problem
    gives ``exception_alert`` once per (reference, status)."""
    now = timezone.now()
    specs = []
    for change in changes:
        shipment = change.shipment
        context = {
            **base_context(None, customer_name=change.customer_name, order_number=change.reference_no),
            **(package_context(shipment) if shipment is not None else {"items": []}),
        }
        if change.meaning == "shipped":
            kind = rules.AFTERSALES_SHIPPED
            key = rules.dedupe_key(kind, order_ref=f"eccang:{change.reference_no}")
        else:
            kind = rules.EXCEPTION_ALERT
            key = rules.dedupe_key(kind, order_ref=f"eccang:{change.reference_no}", status=change.status)
            context.update(status="problem", status_phrase=STATUS_PHRASES["problem"], status_description="")
        specs.append(
            NotificationSpec(
                kind=kind,
                dedupe_key=key,
                recipient=change.recipient_email,
                shipment=shipment,
                order_number=change.reference_no,
                tracking_number=shipment.tracking_number if shipment is not None else "",
                tracking_status="" if change.meaning == "shipped" else "problem",
                context=context,
                suppressed_because=rules.suppression_reason(
                    kind,
                    recipient=change.recipient_email,
                    event_at=None,
                    now=now,
                    delivered_at=shipment.delivered_at if shipment is not None else None,
                ),
            )
        )
    create_notifications(specs)


# --- records and jobs ---------------------------------------------------------------------------------------
def create_notifications(specs: list[NotificationSpec]) -> list[Notification]:
    """Insert the records (a key that exists already is skipped by the database) and one send job per new
    pending record. Returns the records created now."""
    if not specs:
        return []
    by_key = {}
    for spec in specs:
        by_key.setdefault(spec.dedupe_key, spec)  # the first spec of a key in one batch wins
    now = timezone.now()
    rows = [
        Notification(
            kind=spec.kind,
            dedupe_key=spec.dedupe_key,
            state=Notification.State.SUPPRESSED if spec.suppressed_because else Notification.State.PENDING,
            error=spec.suppressed_because,
            shipment=spec.shipment,
            shop=spec.shop,
            order_number=spec.order_number[:100],
            tracking_number=spec.tracking_number[:100],
            tracking_status=spec.tracking_status,
            recipient=spec.recipient,
            recipient_hash=lookup_hash(spec.recipient) if spec.recipient else "",
            from_email=sender_for(spec.shop),
            context=with_shop_subject(spec.shop, spec.kind, spec.context),
            event_at=spec.event_at,
            created_at=now,
        )
        for spec in by_key.values()
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(dedupe_key__in=list(by_key), created_at=now).only(
                "id", "state", "kind", "dedupe_key"
            )
        )
        enqueue_send_jobs(
            [n for n in created if n.state == Notification.State.PENDING],
            run_at={key: spec.send_after for key, spec in by_key.items() if spec.send_after},
        )
    if created:
        log.info(
            "notifications.created", extra={"count": len(created), "kinds": sorted({n.kind for n in created})}
        )
    return created


def enqueue_send_jobs(notifications: list[Notification], run_at: dict | None = None) -> None:
    """One send job per record; ``run_at`` (dedupe key -> time) delays some of them."""
    run_at = run_at or {}
    enqueue_jobs(
        [
            OutboundJob(
                kind=SEND_JOB,
                dedupe_key=f"send:{n.pk}",
                payload={"notification_id": n.pk},
                next_attempt_at=run_at.get(n.dedupe_key),
            )
            for n in notifications
        ]
    )


def resend(notification: Notification, *, requested_by: str = "") -> Notification:
    """A deliberate resend: a new record pointing at the original, with its own key and send job."""
    original = notification.resend_of or notification
    with transaction.atomic():
        count = Notification.objects.filter(resend_of=original).count()
        copy = Notification.objects.create(
            kind=original.kind,
            dedupe_key=f"{original.dedupe_key}:resend:{count + 1}",
            shipment_id=original.shipment_id,
            shop_id=original.shop_id,
            order_number=original.order_number,
            tracking_number=original.tracking_number,
            tracking_status=original.tracking_status,
            recipient=original.recipient,
            recipient_hash=original.recipient_hash,
            from_email=original.from_email,
            context=original.context,
            event_at=original.event_at,
            resend_of=original,
            requested_by=requested_by[:150],
        )
        enqueue_send_jobs([copy])
    return copy
