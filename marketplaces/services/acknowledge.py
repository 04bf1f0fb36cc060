"""Acknowledging new orders to marketplaces that expect it (Rithum: ``/order/acknowledge``): a job per order,
written with the order in the ingest transaction (the unique dedupe key makes it once per order, however
often the order is pulled again), sent in batches per account by the outbox with its retries.

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
    """Registered on ``order_events.on_new_orders``: one job per new order its connector must acknowledge."""
    jobs = []
    for order in orders:
        cls = connector_class(order.account.channel)
        statuses = getattr(cls, "acknowledge_statuses", ()) if cls is not None else ()
        if order.marketplace_status not in statuses:
            continue
        jobs.append(
            OutboundJob(
                kind=ACKNOWLEDGE_KIND,
                payload={"account_id": order.account_id, "order_id": order.marketplace_order_id},
                dedupe_key=f"{order.account_id}:{order.marketplace_order_id}",
                group_key=f"ack:{order.account_id}",
            )
        )
    enqueue_jobs(jobs)


def acknowledge_orders_handler(jobs: list[OutboundJob]) -> dict:
    """Handler of ACKNOWLEDGE_KIND: the claimed jobs' orders per account, in the connector's calls."""
    by_account: dict[int, list[OutboundJob]] = defaultdict(list)
    for job in jobs:
        by_account[int(job.payload["account_id"])].append(job)
    outcomes: dict = {}
    for account_id, account_jobs in by_account.items():
        try:
            account = MarketplaceAccount.objects.get(pk=account_id)
            request_ids = connector_for(account).acknowledge_orders(
                [
                    PulledOrder(marketplace_order_id=j.payload["order_id"], status="", updated_at=None)
                    for j in account_jobs
                ]
            )
        except Exception as exc:  # noqa: BLE001 - these jobs fail together; the runner classifies it
            outcomes.update({job.pk: exc for job in account_jobs})
            continue
        log.info("orders.acknowledged", extra={"account_id": account_id, "count": len(account_jobs)})
        result = {"acknowledged": True, "request_ids": list(request_ids or [])[:10]}
        outcomes.update({job.pk: result for job in account_jobs})
    return outcomes


def register() -> None:
    from integration_server.outbox import register_job_kind
    from marketplaces.services import order_events

    register_job_kind(
        ACKNOWLEDGE_KIND,
        acknowledge_orders_handler,
        max_retries=5,
        batch_size=BATCH_SIZE,
        description="Acknowledge new orders to the marketplace (Rithum /order/acknowledge).",
    )
    order_events.on_new_orders("marketplaces.acknowledge", queue_acknowledgements)
