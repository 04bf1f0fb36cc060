"""Storing one page of pulled orders: idempotent bulk upsert per (account, order id), in one transaction with
what lower apps do about new and cancelled orders (order_events). The number of SQL queries does not grow
with the page size."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from integration_server.raw_payloads import store_pulled_records
from marketplaces.connectors.base import PulledOrder
from marketplaces.models import MarketplaceAccount, Order, OrderLine
from marketplaces.services import order_events

log = logging.getLogger(__name__)
State = Order.State


@dataclass
class IngestResult:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    flagged: int = 0
    new_order_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        for name in ("seen", "created", "updated", "unchanged", "cancelled", "flagged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.new_order_ids += other.new_order_ids


def problem_of(pulled: PulledOrder) -> str:
    """Why an order cannot be sent on as it is ('' = fine)."""
    if not pulled.lines:
        return "The marketplace order has no lines."
    missing = [line.line_id for line in pulled.lines if not line.sku]
    if missing:
        return f"Line(s) without SKU: {', '.join(missing)[:200]}."
    if any(line.quantity <= 0 for line in pulled.lines):
        return "A line has no quantity."
    return ""


def _initial_state(pulled: PulledOrder, problem: str) -> str:
    if pulled.is_cancelled:
        return State.CANCELLED
    if pulled.is_shipped:
        return State.SHIPPED
    return State.FLAGGED if problem else State.NEW


def _new_order(account: MarketplaceAccount, pulled: PulledOrder, raw_id: int | None) -> Order:
    problem = problem_of(pulled)
    return Order(
        account=account,
        marketplace_order_id=pulled.marketplace_order_id,
        marketplace_status=pulled.status[:60],
        sales_channel=pulled.sales_channel[:40],
        state=_initial_state(pulled, problem),
        problem=problem,
        problem_kind=Order.ProblemKind.ORDER_DATA if problem else "",
        purchased_at=pulled.purchased_at,
        marketplace_updated_at=pulled.updated_at,
        currency=pulled.currency[:3],
        order_total=pulled.total,
        buyer=pulled.buyer,
        raw_payload_id=raw_id,
    )


def ingest_orders(account: MarketplaceAccount, pulled_orders: list[PulledOrder]) -> IngestResult:
    """Upsert one page. A first-seen open order triggers ``new_orders_arrived``; an order the marketplace
    cancelled before we shipped it triggers ``orders_cancelled`` — both inside this transaction."""
    by_id: dict[str, PulledOrder] = {}
    for pulled in pulled_orders:  # a page may repeat an order: keep the latest version
        prev = by_id.get(pulled.marketplace_order_id)
        if (
            prev is None
            or prev.updated_at is None
            or (pulled.updated_at and pulled.updated_at >= prev.updated_at)
        ):
            by_id[pulled.marketplace_order_id] = pulled
    result = IngestResult(seen=len(by_id))
    if not by_id:
        return result

    with transaction.atomic():
        raw_ids = store_pulled_records(
            account.channel,
            "order",
            [
                (oid, p.updated_at.isoformat() if p.updated_at else p.status, p.raw)
                for oid, p in by_id.items()
            ],
        )
        existing = {
            o.marketplace_order_id: o
            for o in Order.objects.filter(account=account, marketplace_order_id__in=list(by_id)).only(
                "id",
                "account_id",
                "marketplace_order_id",
                "marketplace_status",
                "marketplace_updated_at",
                "state",
                "raw_payload_id",
            )
        }
        new_orders, changed, newly_cancelled = [], [], []
        for oid, pulled in by_id.items():
            order = existing.get(oid)
            if order is None:
                new_orders.append(_new_order(account, pulled, raw_ids.get(oid)))
                continue
            if (
                order.marketplace_updated_at
                and pulled.updated_at
                and pulled.updated_at < order.marketplace_updated_at
            ):
                result.unchanged += 1
                continue
            dirty = order.marketplace_status != pulled.status[:60] or (
                pulled.updated_at and pulled.updated_at != order.marketplace_updated_at
            )
            if pulled.is_cancelled and order.state in (State.NEW, State.SENT, State.FLAGGED):
                order.state = State.CANCELLED
                newly_cancelled.append(order)
                dirty = True
            if not dirty:
                result.unchanged += 1
                continue
            order.marketplace_status = pulled.status[:60]
            order.marketplace_updated_at = pulled.updated_at or order.marketplace_updated_at
            order.raw_payload_id = raw_ids.get(oid, order.raw_payload_id)
            order.updated_at = timezone.now()
            changed.append(order)

        if new_orders:
            Order.objects.bulk_create(new_orders)
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        line_id=line.line_id[:100],
                        sku=line.sku[:100],
                        title=line.title[:500],
                        quantity=max(line.quantity, 0),
                        unit_price=line.unit_price,
                    )
                    for order in new_orders
                    for line in by_id[order.marketplace_order_id].lines
                ],
                ignore_conflicts=True,
            )
        if changed:
            Order.objects.bulk_update(
                changed,
                ["marketplace_status", "marketplace_updated_at", "raw_payload_id", "state", "updated_at"],
            )

        arrived = [o for o in new_orders if o.state in (State.NEW, State.FLAGGED)]
        prefetch_related_objects(arrived + newly_cancelled, "lines")
        for order in newly_cancelled:
            order.account = account
        order_events.new_orders_arrived(arrived)
        order_events.orders_cancelled(newly_cancelled)

    result.created = len(new_orders)
    result.updated = len(changed)
    result.cancelled = len(newly_cancelled)
    result.flagged = sum(1 for o in new_orders if o.state == State.FLAGGED)
    result.new_order_ids = [o.pk for o in new_orders]
    if result.flagged:
        log.warning("orders.flagged", extra={"account_id": account.pk, "count": result.flagged})
    return result
