"""django-q2 entry point of Shopify reconciliation: thin, it calls the service."""

from __future__ import annotations

from integration_server.schedules import records_schedule_run
from logistics.shopify.reconcile import reconcile_all


@records_schedule_run("shopify-reconcile")
def reconcile_shopify_task() -> dict:
    """Fulfillments whose webhook never arrived, for every enabled shop."""
    return reconcile_all() or {"skipped": "no enabled shop"}
