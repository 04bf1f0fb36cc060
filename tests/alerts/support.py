"""Rows for the alerts tests: accounts, orders (in ShipStation or not), job attempts, stock events,
recipients and a Twilio account."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from alerts.models import AlertRecipient, AlertRule, RuleKind, TwilioAccount
from integration_server.models import JobAttempt, OutboundJob
from inventory.models import StockEvent, StockLevel
from logistics.models import ShipStationOrder
from marketplaces.models import MarketplaceAccount, Order
from tests.marketplaces.factories import MarketplaceAccountFactory

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-secret"
OPS_PHONE = "+447700900123"
OPS_EMAIL = "ops.lead@example.com"


def rule(kind: str) -> AlertRule:
    return AlertRule.objects.get(kind=kind)


def only_rule(kind: str) -> AlertRule:
    """Switch off every rule but this one."""
    AlertRule.objects.exclude(kind=kind).update(enabled=False)
    return rule(kind)


def account(name: str = "Amazon US", channel: str = "amazon") -> MarketplaceAccount:
    return MarketplaceAccountFactory(name=name, channel=channel, shipstation_store_id=7)


_seq = iter(range(1, 10**9))


def make_orders(
    acct, *, sent: int = 0, missed: int = 0, age_minutes: float = 45, now: datetime = None
) -> None:
    """``sent`` orders ShipStation accepted and ``missed`` ones it never did (a failed create), pulled
    ``age_minutes`` before ``now``."""
    now = now or timezone.now()
    created = now - timedelta(minutes=age_minutes)
    orders = [
        Order(
            account=acct,
            marketplace_order_id=f"ORD-{next(_seq)}",
            state=Order.State.SENT if n < sent else Order.State.NEW,
            created_at=created,
        )
        for n in range(sent + missed)
    ]
    Order.objects.bulk_create(orders)
    ShipStationOrder.objects.bulk_create(
        [
            ShipStationOrder(
                order=o,
                order_key=f"key-{o.marketplace_order_id}",
                store_id=7,
                state=ShipStationOrder.State.CREATED
                if o.state == Order.State.SENT
                else ShipStationOrder.State.FAILED,
                sent_at=created if o.state == Order.State.SENT else None,
            )
            for o in orders
        ]
    )


_SUBJECT_KEY = {"shipstation.create_order": "order_id", "orders.push_tracking": "shipment_id"}


def make_failures(
    kind: str,
    count: int,
    *,
    at: datetime = None,
    outcome: str = JobAttempt.Outcome.RETRY,
    attempts_each: int = 1,
) -> None:
    """``count`` distinct orders (or tracking packages) whose job failed ``attempts_each`` times."""
    at = at or timezone.now() - timedelta(minutes=10)
    key = _SUBJECT_KEY.get(kind, "subject")
    jobs = OutboundJob.objects.bulk_create(
        [OutboundJob(kind=kind, payload={key: next(_seq)}) for _ in range(count)]
    )
    JobAttempt.objects.bulk_create(
        [
            JobAttempt(job=job, kind=kind, number=n + 1, started_at=at, outcome=outcome)
            for job in jobs
            for n in range(attempts_each)
        ]
    )


def deplete(sku: str, episode: int = 1) -> StockEvent:
    StockLevel.objects.update_or_create(
        sku=sku, defaults={"shadow_available": 0, "depleted": True, "depletion_count": episode}
    )
    return StockEvent.objects.create(
        kind=StockEvent.Kind.DEPLETED, sku=sku, episode=episode, details={"shadow": 0}
    )


def restock(sku: str, quantity: int = 5) -> None:
    StockLevel.objects.filter(sku=sku).update(shadow_available=quantity, depleted=False)


def ops_recipient(email: str = OPS_EMAIL, phone: str = OPS_PHONE, name: str = "Ops lead") -> AlertRecipient:
    return AlertRecipient.objects.create(name=name, email=email, phone=phone)


def twilio_account(**kwargs) -> TwilioAccount:
    return TwilioAccount.objects.create(
        account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, from_number="+15005550006", **kwargs
    )


__all__ = ["RuleKind"]
