"""Marketplace orders into ShipStation: the reactions to new and cancelled orders (run inside the ingest
transaction) and the outbox handlers that call ``POST /orders/createorders`` in batches of up to 100 per
store. Each order's result is recorded on its ``ShipStationOrder``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from integration_server.http.errors import ExternalApiError, PermanentError, RetryableError, ThrottledError
from integration_server.models import OutboundJob
from integration_server.outbox import batch_job_kind, enqueue_jobs
from integration_server.outbox.runner import cancel as cancel_jobs
from logistics.models import ShipStationOrder
from logistics.shipstation.accounts import client_for, require_account
from logistics.shipstation.order_payload import build_order, order_key_for
from logistics.shipstation.refusals import Refusal, classify_failure, classify_refusal, is_final_state
from marketplaces.models import Order
from marketplaces.services import order_state

log = logging.getLogger(__name__)

CREATE_KIND = "shipstation.create_order"
CANCEL_KIND = "shipstation.cancel_order"
SSState = ShipStationOrder.State


def group_for(store_id) -> str:
    return f"store:{store_id}"


def create_job(order_id: int, store_id: int, dedupe_key: str | None = None) -> OutboundJob:
    return OutboundJob(
        kind=CREATE_KIND,
        payload={"order_id": order_id},
        dedupe_key=dedupe_key or f"order:{order_id}",
        group_key=group_for(store_id),
    )


# --- reactions to order events (inside the ingest transaction) ---------------------------------------------
def _accounts_of(orders: list[Order]) -> dict:
    """The orders' accounts, from the objects where loaded already, else in one query."""
    from marketplaces.models import MarketplaceAccount

    known = {o.account_id: o.account for o in orders if Order.account.is_cached(o)}
    missing = {o.account_id for o in orders} - set(known)
    if missing:
        known.update(MarketplaceAccount.objects.in_bulk(missing))
    return known


def queue_creates(orders: list[Order]) -> None:
    """New orders -> one ShipStationOrder row each (the orderKey fixed before the first try) and one
    "create in ShipStation" job each. Flagged orders are not sent on. Constant number of queries."""
    rows, jobs = [], []
    accounts = _accounts_of(orders)
    for order in orders:
        if order.state != Order.State.NEW:
            continue
        account = accounts[order.account_id]
        key = order_key_for(account.channel, account.pk, order.marketplace_order_id)
        store = account.shipstation_store_id
        if store is None:
            rows.append(
                ShipStationOrder(
                    order=order,
                    order_key=key,
                    state=SSState.BLOCKED,
                    last_error="The marketplace account has no ShipStation store id: set it, then send again.",
                )
            )
            continue
        rows.append(ShipStationOrder(order=order, order_key=key, store_id=store))
        jobs.append(create_job(order.pk, store))
    if rows:
        ShipStationOrder.objects.bulk_create(rows, ignore_conflicts=True)
    enqueue_jobs(jobs)


def queue_cancels(orders: list[Order]) -> None:
    """Orders the marketplace cancelled before shipment -> a "cancel in ShipStation" job each."""
    rows = list(
        ShipStationOrder.objects.filter(order_id__in=[o.pk for o in orders]).exclude(
            state__in=[SSState.CANCELLED, SSState.CANCEL_PENDING]
        )
    )
    if not rows:
        return
    ShipStationOrder.objects.filter(pk__in=[r.pk for r in rows]).update(state=SSState.CANCEL_PENDING)
    enqueue_jobs(
        [
            OutboundJob(
                kind=CANCEL_KIND,
                payload={"order_id": r.order_id},
                dedupe_key=f"cancel:{r.order_id}",
                group_key=group_for(r.store_id),
            )
            for r in rows
        ]
    )


def queue_updates(edits: list) -> None:
    """Orders the marketplace changed before shipment (address, lines, a line cancelled) -> the whole order
    sent again under the same orderKey (ShipStation updates it). An order whose create has not run yet
    needs nothing: that job reads the order as it is now. Constant number of queries."""
    orders = {edit.order.pk: edit.order for edit in edits}
    known = dict(ShipStationOrder.objects.filter(order_id__in=list(orders)).values_list("order_id", "state"))
    # an order flagged for its data (no SKU ...) that the marketplace fixed: sent now, as a new one
    queue_creates([o for pk, o in orders.items() if pk not in known and o.state == Order.State.NEW])
    rows = ShipStationOrder.objects.filter(
        order_id__in=list(orders), state__in=[SSState.CREATED, SSState.FAILED, SSState.REFUSED]
    ).values_list("order_id", "store_id")
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    enqueue_jobs(
        [
            create_job(order_id, store_id, dedupe_key=f"order:{order_id}:edit:{stamp}")
            for order_id, store_id in rows
            if store_id is not None
        ]
    )


# --- outbox handlers ------------------------------------------------------------------------------------
def _rows_for(jobs) -> dict[int, ShipStationOrder]:
    ids = [job.payload["order_id"] for job in jobs]
    return {
        row.order_id: row
        for row in ShipStationOrder.objects.filter(order_id__in=ids)
        .select_related("order__account")
        .prefetch_related("order__lines")
    }


class ShipStationRefusedOrder(PermanentError):
    """ShipStation refused this order's data (invalid country, missing field ...): retrying cannot help, so
    it fails at once; the message goes on the order and ops send it again after fixing the data."""


class ConfirmedFinal(dict):
    """A refusal that counts as done: ShipStation holds the order shipped or cancelled (not updatable)."""


def _send(rows_by_job: dict[int, ShipStationOrder], status: str) -> dict[int, object]:
    """One createorders call for the rows; returns job id -> ShipStation result or exception."""
    if not rows_by_job:
        return {}
    payloads = [
        build_order(
            row.order,
            list(row.order.lines.all()),
            order_key=row.order_key,
            store_id=row.store_id,
            status=status,
        )
        for row in rows_by_job.values()
    ]
    client = client_for(require_account())
    data = client.create_orders(payloads)

    def read_back(job_id: int, result: dict) -> dict | None:
        row = rows_by_job[job_id]
        if result.get("orderId"):
            try:
                found = client.get_order(result["orderId"])
            except PermanentError:
                found = None
            if found and found.get("orderKey") == row.order_key:
                return found
        return client.find_order(row.order_key, row.order.marketplace_order_id, row.store_id)

    return outcomes_from_answer(
        {job_id: row.order_key for job_id, row in rows_by_job.items()},
        data,
        read_back=read_back,
        known={job_id for job_id, row in rows_by_job.items() if row.shipstation_order_id},
    )


def outcomes_from_answer(
    keys_by_job: dict[int, str], data: dict, read_back=None, known: set[int] | None = None
) -> dict[int, object]:
    """createorders answer -> job id -> the order's result, or the exception that fails that job alone.

    Only ShipStation saying the existing order is shipped / cancelled and cannot be updated counts as done
    (``refusals``); a message that merely mentions shipped / cancelled is checked by reading the order by
    its orderKey (``read_back(job_id, result)`` -> the ShipStation order or None), and so is the exact
    wording for an order ShipStation never confirmed holding (job not in ``known``, when given). A refusal
    about the data fails at once (``ShipStationRefusedOrder``); only a passing server problem is retried."""
    results = {r.get("orderKey"): r for r in data.get("results") or []}
    outcomes: dict[int, object] = {}
    for job_id, key in keys_by_job.items():
        result = results.get(key)
        if result is None:
            outcomes[job_id] = RetryableError(
                "ShipStation's answer has no result for this order", vendor="shipstation"
            )
            continue
        if result.get("success"):
            outcomes[job_id] = result
            continue
        message = " ".join(str(result.get("errorMessage") or "refused without a message").split())[:500]
        kind = classify_refusal(message)
        if kind is Refusal.NOT_UPDATABLE and known is not None and job_id not in known and read_back:
            kind = Refusal.UNSURE  # "already shipped" for an order we never saw accepted: check it
        if kind is Refusal.UNSURE:
            try:
                held = read_back(job_id, result) if read_back else None
            except ThrottledError as exc:  # no budget left to check now: try again later, no retry spent
                outcomes[job_id] = exc
                continue
            except ExternalApiError as exc:  # could not check: not done, not judged either; retried
                outcomes[job_id] = RetryableError(
                    f"{message} (reading it back failed: {exc})", vendor="shipstation"
                )
                continue
            if is_final_state(held):
                result = {
                    **result,
                    "orderId": held.get("orderId") or result.get("orderId"),
                    "orderStatus": str(held.get("orderStatus")).lower(),
                }
                kind = Refusal.NOT_UPDATABLE
            else:
                kind = classify_failure(message)
        if kind is Refusal.NOT_UPDATABLE:
            status = result.get("orderStatus") or ("shipped" if "shipped" in message.lower() else "cancelled")
            outcomes[job_id] = ConfirmedFinal(
                {
                    **result,
                    "orderStatus": status,
                    "note": f"already shipped or cancelled in ShipStation: {message}",
                }
            )
        elif kind is Refusal.TRANSIENT:
            outcomes[job_id] = RetryableError(message, vendor="shipstation")
        else:
            outcomes[job_id] = ShipStationRefusedOrder(f"refused the order: {message}", vendor="shipstation")
    return outcomes


@batch_job_kind(CREATE_KIND, retries=3, batch=100)
def create_orders_handler(jobs: list[OutboundJob]) -> dict:
    """Create / update marketplace orders in ShipStation. Up to 100 jobs of one store: one createorders call. Each order's
    outcome is recorded on its ShipStationOrder; a data refusal also flags the marketplace order with
    ShipStation's message."""
    rows = _rows_for(jobs)
    outcomes: dict[int, object] = {}
    to_send: dict[int, ShipStationOrder] = {}
    for job in jobs:
        row = rows.get(job.payload["order_id"])
        if row is None:
            outcomes[job.pk] = PermanentError("the order has no ShipStation record")
        elif row.order.state == Order.State.CANCELLED or row.state in (
            SSState.CANCEL_PENDING,
            SSState.CANCELLED,
        ):
            outcomes[job.pk] = {"skipped": "order cancelled"}
        elif row.store_id is None:
            outcomes[job.pk] = PermanentError("the marketplace account has no ShipStation store id")
        else:
            to_send[job.pk] = row
    results = _send(to_send, "awaiting_shipment")
    outcomes.update(results)

    now = timezone.now()
    created, changed, refused = [], [], []
    for job_id, row in to_send.items():
        result = results[job_id]
        if isinstance(result, ShipStationRefusedOrder):
            row.state, row.last_error = SSState.REFUSED, str(result)[:2000]
            refused.append(row)
        elif isinstance(result, Exception):
            row.state, row.last_error = SSState.FAILED, str(result)[:2000]
        else:
            row.state, row.last_error, row.sent_at = SSState.CREATED, "", now
            row.shipstation_order_id = result.get("orderId") or row.shipstation_order_id
            created.append(row.order_id)
        changed.append(row)
    with transaction.atomic():
        if changed:
            ShipStationOrder.objects.bulk_update(
                changed, ["state", "last_error", "sent_at", "shipstation_order_id", "updated_at"]
            )
        if created:
            order_state.mark_sent(created)
        for row in refused:  # rare: one UPDATE each, so each order shows its own message
            order_state.flag_refused(
                row.order_id, f"ShipStation {row.last_error}", Order.ProblemKind.SHIPSTATION_REFUSED
            )
    if refused:
        log.warning("shipstation.orders_refused", extra={"count": len(refused)})
    return outcomes


@batch_job_kind(CANCEL_KIND, retries=3, batch=100)
def cancel_orders_handler(jobs: list[OutboundJob]) -> dict:
    """Cancel in ShipStation orders the marketplace cancelled before shipment. An order never tried is simply not sent; an order ShipStation may
    hold is resent with the same orderKey and ``orderStatus: cancelled``."""
    rows = _rows_for(jobs)
    create_jobs = {
        j.payload["order_id"]: j
        for j in OutboundJob.objects.filter(
            kind=CREATE_KIND, dedupe_key__in=[f"order:{job.payload['order_id']}" for job in jobs]
        )
    }
    outcomes: dict[int, object] = {}
    to_send: dict[int, ShipStationOrder] = {}
    done_locally: list[ShipStationOrder] = []
    for job in jobs:
        row = rows.get(job.payload["order_id"])
        create = create_jobs.get(job.payload["order_id"])
        if row is None or row.state == SSState.CANCELLED:
            outcomes[job.pk] = {"skipped": "nothing to cancel"}
        elif create is not None and create.state == OutboundJob.State.RUNNING:
            outcomes[job.pk] = RetryableError("the creation of this order is running; cancel after it")
        elif row.shipstation_order_id is None and (create is None or create.attempts == 0):
            if create is not None:
                cancel_jobs([create.pk])
            done_locally.append(row)
            outcomes[job.pk] = {"cancelled": "before it was sent to ShipStation"}
        else:
            if create is not None and create.state == OutboundJob.State.PENDING:
                cancel_jobs([create.pk])
            to_send[job.pk] = row
    results = _send(to_send, "cancelled")
    outcomes.update(results)
    now = timezone.now()
    shipped_already = [
        row
        for job_id, row in to_send.items()
        if isinstance(results[job_id], ConfirmedFinal) and results[job_id].get("orderStatus") == "shipped"
    ]
    cancelled = done_locally + [
        row
        for job_id, row in to_send.items()
        if not isinstance(results[job_id], Exception) and row not in shipped_already
    ]
    for row in cancelled:
        row.state, row.cancelled_at, row.last_error = SSState.CANCELLED, now, ""
    for row in shipped_already:  # too late: ShipStation shipped it. Ops must see it on the order.
        row.state, row.last_error = SSState.CREATED, "Not cancelled: ShipStation holds this order shipped."
    if shipped_already:
        order_state.note_problem(
            [r.order_id for r in shipped_already],
            "Cancelled on the marketplace, but ShipStation had already shipped it.",
            Order.ProblemKind.EDITED_AFTER_SHIPMENT,
        )
    for job_id, row in to_send.items():
        if isinstance(results[job_id], Exception):
            row.last_error = str(results[job_id])[:2000]
    if rows:
        ShipStationOrder.objects.bulk_update(
            list(rows.values()), ["state", "cancelled_at", "last_error", "updated_at"]
        )
    return outcomes


# --- admin: send again ------------------------------------------------------------------------------------
def send_again(order_ids: list[int]) -> int:
    """Queue a fresh create (an update in ShipStation: same orderKey) for the orders; returns jobs queued."""
    orders = list(Order.objects.filter(pk__in=order_ids).select_related("account"))
    rows = {r.order_id: r for r in ShipStationOrder.objects.filter(order_id__in=order_ids)}
    jobs, new_rows = [], []
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    for order in orders:
        if order.state in (Order.State.CANCELLED, Order.State.SHIPPED, Order.State.PARTIALLY_SHIPPED):
            continue
        store = order.account.shipstation_store_id
        if store is None:
            continue
        row = rows.get(order.pk)
        if row is None:
            key = order_key_for(order.account.channel, order.account.pk, order.marketplace_order_id)
            new_rows.append(ShipStationOrder(order=order, order_key=key, store_id=store))
        elif row.store_id is None or row.state in (SSState.BLOCKED, SSState.REFUSED, SSState.FAILED):
            ShipStationOrder.objects.filter(pk=row.pk).update(
                store_id=store, state=SSState.PENDING, last_error=""
            )
        jobs.append(create_job(order.pk, store, dedupe_key=f"order:{order.pk}:again:{stamp}"))
    with transaction.atomic():
        ShipStationOrder.objects.bulk_create(new_rows, ignore_conflicts=True)
        order_state.unflag_for_resend([j.payload["order_id"] for j in jobs])
        enqueue_jobs(jobs)
    return len(jobs)
