"""A week of business for the dashboard tests and the browser tests: orders on two channels, ShipStation
creations with known delays, packages and tracking pushes, stock pushes, customer emails, one open alert and
one failed job."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alerts.models import Alert, AlertRule, RuleKind, Severity
from integration_server.crypto import lookup_hash
from integration_server.models import JobAttempt, OutboundJob
from logistics.models import ShipStationOrder, ShipStationShipment
from marketplaces.models import MarketplaceAccount, Order
from notifications.models import Notification
from notifications.services.preview import sample_context

_seq = iter(range(1, 10**9))


def orders(account, *, count: int, at, delay_s: float | None = 60, shipped: bool = False) -> list[Order]:
    rows = Order.objects.bulk_create(
        [
            Order(
                account=account, marketplace_order_id=f"S-{next(_seq)}", state=Order.State.SENT, created_at=at
            )
            for _ in range(count)
        ]
    )
    ShipStationOrder.objects.bulk_create(
        [
            ShipStationOrder(
                order=o,
                order_key=f"{account.channel}:{o.marketplace_order_id}",
                store_id=7,
                state=ShipStationOrder.State.CREATED,
                sent_at=None if delay_s is None else at + timedelta(seconds=delay_s),
            )
            for o in rows
        ]
    )
    if shipped:
        ShipStationShipment.objects.bulk_create(
            [
                ShipStationShipment(
                    source="shipment",
                    external_id=next(_seq),
                    order=o,
                    tracking_number=f"1Z{o.pk:08d}",
                    carrier_code="ups",
                    tracking_state=ShipStationShipment.TrackingState.PUSHED,
                    tracking_pushed_at=at + timedelta(minutes=30),
                    created_at=at + timedelta(minutes=20),
                )
                for o in rows
            ]
        )
    return rows


def stock_push(account, *, accepted: int, rejected: int, at) -> OutboundJob:
    job = OutboundJob.objects.create(
        kind="stock.push", payload={"account_id": account.pk, "skus": []}, state="succeeded", created_at=at
    )
    JobAttempt.objects.create(
        job=job,
        kind="stock.push",
        number=1,
        started_at=at,
        outcome="succeeded",
        result={"accepted": accepted, "rejected_count": rejected, "rejected": {}, "unchanged": 0},
    )
    return job


def email(kind: str, *, state: str, at, recipient: str = "jane@example.com") -> Notification:
    return Notification.objects.create(
        kind=kind,
        dedupe_key=f"story-{next(_seq)}",
        state=state,
        recipient=recipient,
        recipient_hash=lookup_hash(recipient),
        context=sample_context(kind),
        order_number=f"#{next(_seq)}",
        tracking_number=f"TRK{next(_seq)}",
        subject="Your order is on its way",
        created_at=at,
        sent_at=at if state in ("sent", "delivered", "bounced") else None,
        bounced_at=at if state == "bounced" else None,
        error="mailbox unavailable" if state in ("failed", "bounced") else "",
    )


def failed_job(kind: str = "orders.push_tracking", *, at=None) -> OutboundJob:
    at = at or timezone.now()
    return OutboundJob.objects.create(
        kind=kind,
        payload={},
        state="failed",
        attempts=6,
        retries_used=5,
        last_error="HTTP 500",
        finished_at=at,
    )


def open_alert(severity: int = Severity.CRITICAL) -> Alert:
    rule = AlertRule.objects.filter(kind=RuleKind.TRACKING_PUSH_FAILURES).first()
    if rule is None:
        rule = AlertRule.objects.create(kind=RuleKind.TRACKING_PUSH_FAILURES, name="Tracking push failures")
    return Alert.objects.create(rule=rule, severity=severity, summary="5 tracking pushes failed")


def a_week(now=None) -> dict:
    """Today: Amazon 3 orders (60 s to ShipStation, shipped), eBay 2 (120 s); 3 days ago Amazon 4 (600 s).
    Stock: Amazon 10 accepted + 2 rejected today, 5 accepted 3 days ago. Emails: split-package 2 sent today,
    1 failed, 1 bounced; one critical alert open, one failed job."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    morning = max(today, now - timedelta(hours=2))
    earlier = today - timedelta(days=3) + timedelta(hours=10)
    amazon = MarketplaceAccount.objects.create(name="Amazon US", channel="amazon", shipstation_store_id=7)
    ebay = MarketplaceAccount.objects.create(name="eBay US", channel="ebay", shipstation_store_id=8)
    orders(amazon, count=3, at=morning, delay_s=60, shipped=True)
    orders(ebay, count=2, at=morning, delay_s=120)
    orders(amazon, count=4, at=earlier, delay_s=600, shipped=True)
    stock_push(amazon, accepted=10, rejected=2, at=morning)
    stock_push(amazon, accepted=5, rejected=0, at=earlier)
    email("split_package", state="sent", at=morning)
    email("split_package", state="delivered", at=morning)
    email("split_package", state="failed", at=morning)
    email("delivery_confirm", state="bounced", at=earlier)
    return {
        "amazon": amazon,
        "ebay": ebay,
        "alert": open_alert(),
        "failed_job": failed_job(at=now - timedelta(hours=1)),
        "morning": morning,
    }
