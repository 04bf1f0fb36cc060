"""Acknowledging new orders to marketplaces that expect it (Rithum: ``/order/acknowledge``): one job per
stored page of new orders, written with the orders in the ingest transaction. New-order reactions run once
per order (the order's unique key decides what is new), so each order is acknowledged once however often it
is pulled again; the outbox retries a failed call with the same ids.

A connector asks for it with ``acknowledge_statuses``: the marketplace statuses of orders still to
acknowledge (an order pulled already acknowledged is left alone)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from integration_server.http.errors import PermanentError, ThrottledError
from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_job, enqueue_jobs, job_kind
from marketplaces.connectors import PulledOrder, connector_class, connector_for
from marketplaces.models import MarketplaceAccount, Order

log = logging.getLogger(__name__)

ACKNOWLEDGE_KIND = "orders.acknowledge"
CONFIRM_KIND = "orders.confirm_acknowledgement"
BATCH_SIZE = 1000
CONFIRM_AFTER_SECONDS = 120  # Rithum acknowledges asynchronously: its log tells the outcome later


def queue_acknowledgements(orders: list) -> None:
    """Subscribed to ``order_events.NEW_ORDERS``: per account, one job with the new orders its connector
    must acknowledge (at most BATCH_SIZE ids a job)."""
    channels = _channels_of(orders)
    ids: dict[int, list[str]] = defaultdict(list)
    for order in orders:
        cls = connector_class(channels.get(order.account_id, ""))
        if order.marketplace_status in (getattr(cls, "acknowledge_statuses", ()) if cls is not None else ()):
            ids[order.account_id].append(order.marketplace_order_id)
    enqueue_jobs(
        [
            OutboundJob(
                kind=ACKNOWLEDGE_KIND,
                payload={"account_id": account_id, "order_ids": order_ids[start : start + BATCH_SIZE]},
                group_key=f"ack:{account_id}",
            )
            for account_id, order_ids in ids.items()
            for start in range(0, len(order_ids), BATCH_SIZE)
        ]
    )


def _channels_of(orders: list) -> dict[int, str]:
    """Account id -> channel, from the accounts the orders carry (ingest sets them), else one query."""
    channels = {o.account_id: o.account.channel for o in orders if Order.account.is_cached(o)}
    missing = {o.account_id for o in orders} - set(channels)
    if missing:
        channels.update(MarketplaceAccount.objects.filter(pk__in=missing).values_list("pk", "channel"))
    return channels


@job_kind(ACKNOWLEDGE_KIND, retries=5)
def acknowledge_orders(job: OutboundJob) -> dict:
    """Acknowledge new orders to the marketplace: the job's orders in the connector's acknowledge call(s)."""
    account = MarketplaceAccount.objects.get(pk=job.payload["account_id"])
    order_ids = job.payload["order_ids"]
    request_ids = connector_for(account).acknowledge_orders(
        [PulledOrder(marketplace_order_id=oid, status="", updated_at=None) for oid in order_ids]
    )
    log.info("orders.acknowledged", extra={"account_id": account.pk, "count": len(order_ids)})
    request_ids = [r for r in request_ids or [] if r]
    if request_ids:  # the marketplace processes them later: a job reads the verdict
        enqueue_job(
            CONFIRM_KIND,
            {"account_id": account.pk, "request_ids": request_ids},
            group_key=f"ack:{account.pk}",
            run_at=timezone.now() + timedelta(seconds=CONFIRM_AFTER_SECONDS),
        )
    return {"acknowledged": len(order_ids), "request_ids": request_ids}


@job_kind(CONFIRM_KIND, retries=5)
def confirm_acknowledgements(job: OutboundJob) -> dict:
    """Read the marketplace's verdict on an acknowledge request. Rithum's log of each acknowledge request. Orders it failed to acknowledge
    fail this job with Rithum's reasons (visible to ops in the admin); still processing -> ask again later
    (a wait, no retry spent)."""
    account = MarketplaceAccount.objects.get(pk=job.payload["account_id"])
    connector = connector_for(account)
    failed: dict[str, str] = {}
    for request_id in job.payload["request_ids"]:
        failures = connector.acknowledgement_failures(request_id)
        if failures is None:
            raise ThrottledError(f"acknowledge request {request_id} still processing", wait_seconds=120)
        failed.update(failures)
    if failed:
        listed = "; ".join(f"{oid}: {reason}" for oid, reason in list(failed.items())[:20])
        raise PermanentError(f"Rithum did not acknowledge {len(failed)} order(s): {listed}", vendor="rithum")
    return {"confirmed": job.payload["request_ids"]}
