"""Accepting orders where the marketplace requires it before shipping (Mirakl OR21), in the pull that first
sees them: Mirakl refuses unanswered orders by itself after a few days, and refusals count against the shop.

The rule (plain functions, no HTTP): an order waiting for acceptance is accepted whole when every line's SKU
is known and in stock (the shadow stock, less what this run already accepted). Otherwise the account's
``acceptance_policy`` option decides:

- ``accept_known`` (default): accept the lines that can be fulfilled, refuse the others (each with its
  reason); an order none of whose lines can be fulfilled is refused.
- ``refuse``: refuse the whole order, with the reason.
- ``leave``: no decision is sent; the order is stored flagged with the reason, for ops to accept or refuse
  in the operator's back office (its next version is taken as ops decided).

Refused lines are stored with quantity 0 and their reason (``OrderLine.refused_reason``); a refused order is
stored cancelled with the reason as its problem. An accepted order is on hold (stock counted, not sent to
ShipStation) until Mirakl moves it to ``SHIPPING``.

marketplaces may not import inventory: the stock is asked through the query ``STOCK_FOR_ACCEPTANCE``
(``integration_server/hooks.py``), which inventory answers in its ``AppConfig.ready()``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from integration_server.hooks import declare_query
from integration_server.http.errors import PermanentError
from marketplaces.connectors.base import PulledOrder
from marketplaces.models import Order

log = logging.getLogger(__name__)

POLICIES = {
    "accept_known": "accept the lines that can be fulfilled, refuse the others with the reason",
    "refuse": "refuse the whole order with the reason",
    "leave": "leave the order for ops to accept or refuse in the operator's back office (flagged)",
}
DEFAULT_POLICY = "accept_known"

STOCK_FOR_ACCEPTANCE = declare_query(
    "stock.for_acceptance",
    "ask(skus: list[str]) -> {sku: units available} for the SKUs we know (an unknown SKU is absent); "
    "nobody answering: no SKU is known.",
    default={},
)


def policy_of(account) -> str:
    policy = str((account.options or {}).get("acceptance_policy") or DEFAULT_POLICY)
    return policy if policy in POLICIES else DEFAULT_POLICY


@dataclass
class Decision:
    accepted: dict[str, bool]  # line id -> accepted (every line of the order)
    reasons: dict[str, str]  # line id -> why it cannot be fulfilled
    send: bool = True  # False: leave the order for ops (no OR21)

    @property
    def all_accepted(self) -> bool:
        return all(self.accepted.values())

    @property
    def none_accepted(self) -> bool:
        return not any(self.accepted.values())


def decide(order: PulledOrder, available: dict[str, int], policy: str) -> Decision:
    """The decision for one order; ``available`` (SKU -> units) is reduced by what is accepted."""
    reasons: dict[str, str] = {}
    wanted: Counter = Counter()
    for line in order.lines:
        wanted[line.sku] += max(line.quantity, 0)
    for line in order.lines:
        if not line.sku:
            reasons[line.line_id] = "no SKU on the line"
        elif line.sku not in available:
            reasons[line.line_id] = f"unknown SKU {line.sku}"
        elif available[line.sku] < wanted[line.sku]:
            reasons[line.line_id] = (
                f"SKU {line.sku} out of stock: {max(available[line.sku], 0)} available, "
                f"{wanted[line.sku]} ordered"
            )
    if not reasons:
        decision = Decision({line.line_id: True for line in order.lines}, {})
    elif policy == "leave":
        decision = Decision({line.line_id: False for line in order.lines}, reasons, send=False)
    elif policy == "refuse":
        decision = Decision({line.line_id: False for line in order.lines}, reasons)
    else:
        decision = Decision({line.line_id: line.line_id not in reasons for line in order.lines}, reasons)
    if decision.send:
        for line in order.lines:
            if decision.accepted[line.line_id]:
                available[line.sku] = available.get(line.sku, 0) - max(line.quantity, 0)
    return decision


def _words(reasons: dict[str, str]) -> str:
    return "; ".join(dict.fromkeys(reasons.values()))


def apply_decision(order: PulledOrder, decision: Decision) -> None:
    """The pulled order as it is stored after the decision was sent (or not)."""
    if not decision.send:
        order.acceptance_problem = (
            "Left for ops (acceptance policy 'leave'): accept or refuse it in the operator's back office. "
            f"Why: {_words(decision.reasons)}."
        )[:2000]
        return
    order.on_hold = True
    for line in order.lines:
        if not decision.accepted[line.line_id]:
            why = decision.reasons.get(line.line_id) or "the whole order was refused"
            line.refused_reason = f"refused at acceptance ({line.quantity} ordered): {why}"[:500]
            line.quantity = 0
    if decision.none_accepted:
        order.is_cancelled = True
        order.on_hold = False
        order.status = "REFUSED"
        order.acceptance_problem = f"Refused at acceptance: {_words(decision.reasons)}."[:2000]


def accept_orders(
    account, connector, orders: list[PulledOrder]
) -> tuple[list[PulledOrder], Exception | None]:
    """Decide and send the acceptance of the page's orders that wait for it. Returns the orders to store
    (all of them, or those decided before a transient failure) and that failure, for the caller to raise
    after storing: the window is then read again by the next pull."""
    waiting = [o for o in orders if o.status in connector.acceptance_statuses]
    if not waiting:
        return orders, None
    # decided already: stored while waiting for acceptance, unless left for ops (decided again each time)
    decided = set(
        Order.objects.filter(
            account=account,
            marketplace_order_id__in=[o.marketplace_order_id for o in waiting],
            marketplace_status__in=list(connector.acceptance_statuses),
        )
        .exclude(problem_kind=Order.ProblemKind.NOT_ACCEPTED)
        .values_list("marketplace_order_id", flat=True)
    )
    to_decide = [o for o in waiting if o.marketplace_order_id not in decided]
    available = STOCK_FOR_ACCEPTANCE.ask(
        sorted({line.sku for o in to_decide for line in o.lines if line.sku})
    )
    policy = policy_of(account)
    skipped: set[str] = set()
    for position, order in enumerate(to_decide):
        decision = decide(order, available, policy)
        if decision.send:
            try:
                connector.accept_order(
                    order.marketplace_order_id, [(line.line_id, ok) for line, ok in _pairs(order, decision)]
                )
            except PermanentError as exc:
                order.acceptance_problem = f"Mirakl refused our acceptance decision (OR21): {exc}"[:2000]
                log.warning("orders.acceptance_refused", extra={"account_id": account.pk})
                continue
            except Exception as exc:  # noqa: BLE001 - transient: the rest waits for the next pull
                skipped = {o.marketplace_order_id for o in to_decide[position:]}
                return [o for o in orders if o.marketplace_order_id not in skipped], exc
        apply_decision(order, decision)
        log.info(
            "orders.acceptance",
            extra={
                "account_id": account.pk,
                "accepted_lines": sum(decision.accepted.values()) if decision.send else 0,
                "refused_lines": sum(not v for v in decision.accepted.values()) if decision.send else 0,
                "left_for_ops": not decision.send,
            },
        )
    return orders, None


def _pairs(order: PulledOrder, decision: Decision):
    return [(line, decision.accepted[line.line_id]) for line in order.lines]
