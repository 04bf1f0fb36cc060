"""The scheduled rebalance of all SKUs (SPEC 3: every ``rebalance_interval`` minutes, editable)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inventory.models import StockLevel, StockPolicy
from inventory.services.context import AllocationContext
from inventory.services.publishing import PushCollector, reallocate

log = logging.getLogger(__name__)

CHUNK = 1000


def rebalance_all(chunk: int = CHUNK) -> dict:
    """Reallocate every SKU on its current shadow stock; push what changed (fewest calls)."""
    ctx = AllocationContext.load()
    collector = PushCollector(ctx)
    last_sku, skus, changed = "", 0, 0
    while True:
        rows = list(
            StockLevel.objects.filter(sku__gt=last_sku)
            .order_by("sku")
            .values_list("sku", "shadow_available")[:chunk]
        )
        if not rows:
            break
        with transaction.atomic():
            to_push = reallocate(dict(rows), ctx)
            collector.add(to_push)
        skus += len(rows)
        changed += sum(len(v) for v in to_push.values())
        last_sku = rows[-1][0]
    jobs = collector.flush()
    StockPolicy.objects.filter(pk=1).update(last_rebalance_at=timezone.now())
    result = {"skus": skus, "to_push": changed, "jobs": jobs}
    log.info("stock.rebalanced", extra=result)
    return result


def rebalance_if_due(now=None) -> dict | None:
    """Run by a frequent schedule; rebalances when the interval ops set has passed since the last run."""
    now = now or timezone.now()
    policy = StockPolicy.current()
    if (
        policy.last_rebalance_at
        and policy.last_rebalance_at + timedelta(minutes=policy.rebalance_interval_minutes) > now
    ):
        return None
    return rebalance_all()
