"""Acknowledging new orders to marketplaces that expect it (Rithum: ``/order/acknowledge``): one job per
stored page of new orders, written with the orders in the ingest transaction. New-order reactions run once
per order (the order's unique key decides what is new), so each order is acknowledged once however often it
is pulled again; the outbox retries a failed call with the same ids.

A connector asks for it with ``acknowledge_statuses``: the marketplace statuses of orders still to
acknowledge (an order pulled already acknowledged is left alone)."""

from __future__ import annotations

import logging
from collections import defaultdict

from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_jobs
from marketplaces.connectors import PulledOrder, connector_class, connector_for
from marketplaces.models import MarketplaceAccount

log = logging.getLogger(__name__)

ACKNOWLEDGE_KIND = "orders.acknowledge"
BATCH_SIZE = 1000


def queue_acknowledgements(orders: list) -> None:
    """Registered on ``order_events.on_new_orders``: per account, one job with the new orders its connector
    must acknowledge (at most BATCH_SIZE ids a job)."""
    ids: dict[int, list[str]] = defaultdict(list)
    for order in orders:
        cls = connector_class(order.account.channel)
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


def acknowledge_orders(job: OutboundJob) -> dict:
    """Handler of ACKNOWLEDGE_KIND: the job's orders in the connector's acknowledge call(s)."""
    account = MarketplaceAccount.objects.get(pk=job.payload["account_id"])
    order_ids = job.payload["order_ids"]
    request_ids = connector_for(account).acknowledge_orders(
        [PulledOrder(marketplace_order_id=oid, status="", updated_at=None) for oid in order_ids]
    )
    log.info("orders.acknowledged", extra={"account_id": account.pk, "count": len(order_ids)})
    return {"acknowledged": len(order_ids), "request_ids": list(request_ids or [])}


def register() -> None:
    from integration_server.outbox import register_job_kind
    from integration_server.outbox.registry import single
    from marketplaces.services import order_events

    register_job_kind(
        ACKNOWLEDGE_KIND,
        single(acknowledge_orders),
        max_retries=5,
        description="Acknowledge new orders to the marketplace (Rithum /order/acknowledge).",
    )
    order_events.on_new_orders("marketplaces.acknowledge", queue_acknowledgements)
