"""The state of marketplace orders, changed only here: the apps that fulfil orders report what happened and
marketplaces decides what it means for the order. One UPDATE per call whatever the number of orders; an
order cancelled or already shipped is never moved back."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from marketplaces.models import Order

State = Order.State
NOT_YET_SENT = (State.NEW, State.FLAGGED)
OPEN = (State.NEW, State.SENT, State.FLAGGED, State.PARTIALLY_SHIPPED)


def _open_orders(order_ids: Iterable[int], states=OPEN):
    return Order.objects.filter(pk__in=list(order_ids), state__in=states)


def mark_sent(order_ids: Iterable[int]) -> int:
    """The fulfilment system holds the orders: NEW / FLAGGED -> SENT, their problem cleared."""
    return _open_orders(order_ids, NOT_YET_SENT).update(
        state=State.SENT, problem="", problem_kind="", updated_at=timezone.now()
    )


def flag_refused(order_id: int, problem: str, kind: str) -> int:
    """The fulfilment system refused the order's data: FLAGGED with its message, until ops fix it."""
    return _open_orders([order_id], NOT_YET_SENT).update(
        state=State.FLAGGED, problem=problem[:2000], problem_kind=kind, updated_at=timezone.now()
    )


def note_problem(order_ids: Iterable[int], problem: str, kind: str) -> int:
    """A problem ops must see on the orders; their state stays."""
    return Order.objects.filter(pk__in=list(order_ids)).update(
        problem=problem[:2000], problem_kind=kind, updated_at=timezone.now()
    )


def unflag_for_resend(order_ids: Iterable[int]) -> int:
    """Ops send flagged orders again: FLAGGED -> NEW."""
    return _open_orders(order_ids, (State.FLAGGED,)).update(state=State.NEW)


def mark_shipped(order_ids: Iterable[int]) -> int:
    """Every line's quantity is in a package: open -> SHIPPED."""
    return _open_orders(order_ids).update(state=State.SHIPPED, updated_at=timezone.now())


def mark_partially_shipped(order_ids: Iterable[int]) -> int:
    """Some lines are in packages, not all: open -> PARTIALLY_SHIPPED."""
    return _open_orders(order_ids).update(state=State.PARTIALLY_SHIPPED, updated_at=timezone.now())
