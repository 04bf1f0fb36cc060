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
    edited: int = 0
    new_order_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        for name in ("seen", "created", "updated", "unchanged", "cancelled", "flagged", "edited"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.new_order_ids += other.new_order_ids


def problem_of(pulled: PulledOrder) -> str:
    """Why an order cannot be sent on as it is ('' = fine)."""
    if pulled.acceptance_problem:
        return pulled.acceptance_problem
    if not pulled.lines:
        return "The marketplace order has no lines."
    missing = [line.line_id for line in pulled.lines if not line.sku]
    if missing:
        return f"Line(s) without SKU: {', '.join(missing)[:200]}."
    if any(line.quantity <= 0 for line in pulled.lines if not line.refused_reason):
        return "A line has no quantity."
    return ""


def _initial_state(pulled: PulledOrder, problem: str) -> str:
    if pulled.is_cancelled:
        return State.CANCELLED
    if pulled.is_shipped:
        return State.SHIPPED
    if problem:
        return State.FLAGGED
    return State.HELD if pulled.on_hold else State.NEW


def _problem_kind(pulled: PulledOrder, problem: str) -> str:
    if not problem:
        return ""
    return Order.ProblemKind.NOT_ACCEPTED if pulled.acceptance_problem else Order.ProblemKind.ORDER_DATA


def _released(order: Order, pulled: PulledOrder) -> bool:
    """A stored order on hold (accepted, not shippable yet) or left for ops to accept, that the marketplace
    now lets us ship: it goes on as a new order (state set here)."""
    if pulled.is_cancelled or pulled.is_shipped:
        return False
    waiting = order.state == State.HELD or (
        order.state == State.FLAGGED and order.problem_kind == Order.ProblemKind.NOT_ACCEPTED
    )
    if not waiting:
        return False
    problem = problem_of(pulled)
    state = _initial_state(pulled, problem)
    if state == order.state and problem == order.problem:
        return False
    order.state, order.problem, order.problem_kind = state, problem, _problem_kind(pulled, problem)
    return state == State.NEW


def _new_order(account: MarketplaceAccount, pulled: PulledOrder, raw_id: int | None) -> Order:
    problem = problem_of(pulled)
    return Order(
        account=account,
        marketplace_order_id=pulled.marketplace_order_id,
        marketplace_status=pulled.status[:60],
        sales_channel=pulled.sales_channel[:40],
        state=_initial_state(pulled, problem),
        problem=problem,
        problem_kind=_problem_kind(pulled, problem),
        purchased_at=pulled.purchased_at,
        marketplace_updated_at=pulled.updated_at,
        currency=pulled.currency[:3],
        order_total=pulled.total,
        shipping_amount=pulled.shipping_amount,
        tax_amount=pulled.tax_amount,
        ship_by=pulled.ship_by,
        shipping_service=pulled.shipping_service[:100],
        buyer=pulled.buyer,
        raw_payload_id=raw_id,
    )


def ingest_orders(account: MarketplaceAccount, pulled_orders: list[PulledOrder]) -> IngestResult:
    """Upsert one page. A first-seen open order is sent on ``NEW_ORDERS``; an order the marketplace
    cancelled before we shipped it on ``CANCELLED_ORDERS`` — both inside this transaction."""
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
                "buyer",
                "problem",
                "problem_kind",
                "currency",
                "order_total",
                "shipping_amount",
                "tax_amount",
                "ship_by",
                "shipping_service",
            )
        }
        new_orders, changed, newly_cancelled, maybe_edited, released = [], [], [], [], []
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
            if pulled.is_cancelled and order.state in (State.NEW, State.HELD, State.SENT, State.FLAGGED):
                order.state = State.CANCELLED
                newly_cancelled.append(order)
                dirty = True
            before = (order.state, order.problem)
            if _released(order, pulled):
                released.append(order)
            dirty = dirty or before != (order.state, order.problem)
            if not dirty:
                result.unchanged += 1
                continue
            if order.state != State.CANCELLED:
                maybe_edited.append((order, pulled))
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
                        refused_reason=line.refused_reason[:500],
                    )
                    for order in new_orders
                    for line in by_id[order.marketplace_order_id].lines
                ],
                ignore_conflicts=True,
            )
        if changed:
            Order.objects.bulk_update(
                changed,
                [
                    "marketplace_status",
                    "marketplace_updated_at",
                    "raw_payload_id",
                    "state",
                    "problem",
                    "problem_kind",
                    "updated_at",
                ],
            )
        edits = apply_edits(maybe_edited) if maybe_edited else []
        if released:  # now shippable: sent on as an edit without changes (stock was counted on arrival)
            prefetch_related_objects(released, "lines")
            edited = {edit.order.pk for edit in edits}
            edits += [order_events.OrderEdit(order) for order in released if order.pk not in edited]

        arrived = [o for o in new_orders if o.state in (State.NEW, State.HELD, State.FLAGGED)]
        prefetch_related_objects(arrived + newly_cancelled, "lines")
        for order in newly_cancelled:
            order.account = account
        order_events.NEW_ORDERS.send(arrived)
        order_events.CANCELLED_ORDERS.send(newly_cancelled)
        order_events.EDITED_ORDERS.send(edits)

    result.created = len(new_orders)
    result.updated = len(changed)
    result.cancelled = len(newly_cancelled)
    result.flagged = sum(1 for o in new_orders if o.state == State.FLAGGED)
    result.edited = len(edits)
    result.new_order_ids = [o.pk for o in new_orders]
    if result.flagged:
        log.warning("orders.flagged", extra={"account_id": account.pk, "count": result.flagged})
    return result


# --- edits of known orders ---------------------------------------------------------------------------------
SHIPPED_STATES = (State.SHIPPED, State.PARTIALLY_SHIPPED)
ADDRESS_KEYS = ("name", "company", "street1", "street2", "street3", "city", "state", "postal_code", "country")


def _address(buyer: dict) -> tuple:
    ship_to = (buyer or {}).get("ship_to") or {}
    return tuple(str(ship_to.get(k) or "").strip() for k in ADDRESS_KEYS)


def _line_changes(stored: list[OrderLine], pulled: PulledOrder) -> list[tuple[OrderLine | None, object]]:
    """(stored line or None, pulled line or None) for every line whose SKU, quantity or price changed; a
    stored line missing from the marketplace's version was cancelled (quantity 0 now)."""
    by_id = {line.line_id: line for line in stored}
    seen, out = set(), []
    for new in pulled.lines:
        line_id = new.line_id[:100]
        seen.add(line_id)
        old = by_id.get(line_id)
        if old is None:
            out.append((None, new))
        elif (old.sku, old.quantity, old.unit_price) != (new.sku[:100], max(new.quantity, 0), new.unit_price):
            out.append((old, new))
    out += [(old, None) for old in stored if old.line_id not in seen and old.quantity > 0]
    return out


def _describe(address_changed: bool, changes) -> str:
    parts = ["ship-to address"] if address_changed else []
    for old, new in changes:
        was = f"{old.sku} x{old.quantity}" if old else "(new line)"
        now = f"{new.sku} x{max(new.quantity, 0)}" if new else "cancelled"
        parts.append(f"line {(old or new).line_id}: {was} -> {now}")
    return "; ".join(parts)


def apply_edits(candidates: list[tuple[Order, PulledOrder]]) -> list[order_events.OrderEdit]:
    """Orders seen again with a newer version: an address or line change (a line cancelled included) before
    shipment is applied to our copy and returned as an ``OrderEdit`` (lower apps update ShipStation and the
    shadow stock by the difference); after shipment it is only recorded on the order and flagged. A
    constant number of queries per page."""
    stored: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order_id__in=[o.pk for o, _ in candidates]):
        stored.setdefault(line.order_id, []).append(line)
    edits, flagged, applied = [], [], []
    line_updates, line_creates = [], []
    for order, pulled in candidates:
        # a version without address or lines (personal data removed after a while, a partial answer) is
        # not an edit: what is missing is kept, never "changed to nothing"
        new_address = _address(pulled.buyer)
        address_changed = any(new_address) and _address(order.buyer) != new_address
        changes = _line_changes(stored.get(order.pk, []), pulled) if pulled.lines else []
        if not address_changed and not changes:
            continue
        if order.state in SHIPPED_STATES:
            problem = "Changed on the marketplace after shipment (not applied): "
            problem = (problem + _describe(address_changed, changes))[:2000]
            if order.problem != problem:  # the same change seen again is not flagged twice
                order.problem, order.problem_kind = problem, Order.ProblemKind.EDITED_AFTER_SHIPMENT
                flagged.append(order)
            continue
        if order.state == State.FLAGGED and order.problem_kind == Order.ProblemKind.ORDER_DATA:
            order.problem = problem_of(pulled)  # the marketplace fixed the order: it goes on as new
            order.problem_kind = Order.ProblemKind.ORDER_DATA if order.problem else ""
            order.state = State.FLAGGED if order.problem else State.NEW
        buyer = {**(order.buyer or {}), **{k: v for k, v in (pulled.buyer or {}).items() if v}}
        if not address_changed:
            buyer["ship_to"] = (order.buyer or {}).get("ship_to") or buyer.get("ship_to") or {}
        order.buyer = buyer
        order.currency = pulled.currency[:3] or order.currency
        order.order_total = pulled.total if pulled.total is not None else order.order_total
        if pulled.shipping_amount is not None:
            order.shipping_amount = pulled.shipping_amount
        if pulled.tax_amount is not None:
            order.tax_amount = pulled.tax_amount
        order.ship_by = pulled.ship_by or order.ship_by
        order.shipping_service = pulled.shipping_service[:100] or order.shipping_service
        applied.append(order)
        line_changes = []
        for old, new in changes:
            if old is None:
                line = OrderLine(
                    order=order,
                    line_id=new.line_id[:100],
                    sku=new.sku[:100],
                    title=new.title[:500],
                    quantity=max(new.quantity, 0),
                    unit_price=new.unit_price,
                )
                line_creates.append(line)
                line_changes.append(order_events.LineChange(line, "", 0))
                continue
            change = order_events.LineChange(old, old.sku, old.quantity)
            if new is None:
                old.quantity = 0
            else:
                old.sku, old.quantity = new.sku[:100], max(new.quantity, 0)
                old.title, old.unit_price = new.title[:500] or old.title, new.unit_price
            line_updates.append(old)
            line_changes.append(change)
        edits.append(order_events.OrderEdit(order, address_changed, line_changes))
    if line_updates:
        OrderLine.objects.bulk_update(line_updates, ["sku", "quantity", "title", "unit_price"])
    if line_creates:
        OrderLine.objects.bulk_create(line_creates)
    now = timezone.now()
    if flagged:
        Order.objects.bulk_update(flagged, ["problem", "problem_kind"])
        log.warning("orders.edited_after_shipment", extra={"count": len(flagged)})
    if applied:
        for order in applied:
            order.updated_at = now
        Order.objects.bulk_update(
            applied,
            [
                "state",
                "problem",
                "problem_kind",
                "buyer",
                "currency",
                "order_total",
                "shipping_amount",
                "tax_amount",
                "ship_by",
                "shipping_service",
                "updated_at",
            ],
        )
        prefetch_related_objects(applied, "lines")
        log.info("orders.edited", extra={"count": len(applied)})
    return edits
