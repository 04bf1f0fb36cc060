"""Reallocating and publishing on request: after an ops change (a ratio, an override, the policy, an account
switched on or off) and by hand ("Publish now", ``manage.py publish_stock``, the scheduled full republish).

``request_reallocation`` writes a "stock.reallocate" job in the caller's transaction (the worker is poked
after commit), naming exactly the SKUs the change affects; its handler runs ``publish_stock`` on them.
``publish_stock`` reallocates SKUs on their current shadow stock and queues the quantities that changed;
with ``force`` it re-sends the computed quantities even when unchanged (a marketplace edited by hand drifts,
and change-only pushes would never correct it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_job, job_kind
from inventory.models import AccountStockPolicy, SkuRatioOverride, StockLevel
from inventory.services.context import AllocationContext
from inventory.services.publishing import MAX_RETRIES, PushCollector, reallocate

log = logging.getLogger(__name__)

REALLOCATE_KIND = "stock.reallocate"
CHUNK = 1000


def request_reallocation(
    *,
    skus=None,
    all_skus: bool = False,
    unless_override_for: int | None = None,
    force: bool = False,
    account_ids=None,
    reason: str = "",
) -> OutboundJob | None:
    """Queue a reallocation of ``skus`` (or of every SKU; ``unless_override_for``: skip the SKUs whose ratio
    for that account is an override, which an account-ratio edit does not touch). ``force`` re-sends the
    quantities of ``account_ids`` (None = all) even when unchanged ("Publish now"). In the caller's
    transaction: the change and its reallocation are stored together."""
    payload: dict = {"reason": reason[:200]}
    if force:
        payload["force"] = True
    if account_ids is not None:
        payload["account_ids"] = sorted(account_ids)
    if all_skus:
        payload["all"] = True
        if unless_override_for is not None:
            payload["unless_override_for"] = unless_override_for
    else:
        skus = sorted({s for s in (skus or []) if s})
        if not skus:
            return None
        payload["skus"] = skus
    return enqueue_job(REALLOCATE_KIND, payload)


def reallocate_for_account_changes(changes: list) -> None:
    """Subscriber of "accounts.changed": an account switched on or off (or moved to another channel)
    changes every SKU's split and cap, if it has a ratio."""
    touched = [
        c.account.pk for c in changes if not c.created and {"enabled", "channel"} & set(c.changed_fields)
    ]
    if touched and AccountStockPolicy.objects.filter(account_id__in=touched).exists():
        request_reallocation(all_skus=True, reason="marketplace account switched on/off")


@job_kind(REALLOCATE_KIND, retries=MAX_RETRIES, lease_seconds=900)
def reallocate_job(job: OutboundJob) -> dict:
    """Reallocate the SKUs an ops change affects (ratio, override, policy, account) and queue their pushes."""
    payload = job.payload
    summary = publish_stock(
        skus=None if payload.get("all") else payload.get("skus", []),
        unless_override_for=payload.get("unless_override_for"),
        force=bool(payload.get("force")),
        account_ids=payload.get("account_ids"),
    )
    return summary.as_dict()


@dataclass
class PublishSummary:
    skus: int = 0
    changed: int = 0  # (SKU, account) quantities that differ from what the marketplace last accepted
    forced: int = 0  # unchanged quantities re-sent
    jobs: int = 0
    dry_run: bool = False
    accounts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"skus": self.skus, "changed": self.changed, "forced": self.forced, "jobs": self.jobs}

    def line(self) -> str:
        prefix = "DRY RUN (nothing written): " if self.dry_run else ""
        where = f" to {', '.join(self.accounts)}" if self.accounts else " (no account publishes stock)"
        return (
            f"{prefix}{self.skus} SKUs reallocated: {self.changed} changed quantities and {self.forced} "
            f"unchanged ones re-sent{where} in {self.jobs} push jobs"
        )


def publish_stock(
    *,
    account_ids=None,
    skus=None,
    force: bool = False,
    dry_run: bool = False,
    unless_override_for: int | None = None,
    progress: Callable[[PublishSummary, int], None] | None = None,
    chunk: int = CHUNK,
) -> PublishSummary:
    """Reallocate ``skus`` (None = all) and queue the pushes: what changed, for every account; with
    ``force``, every computed quantity of ``account_ids`` (None = every publishing account) too. A few
    queries per chunk of ``chunk`` SKUs."""
    ctx = AllocationContext.load()
    selected = [a for a in ctx.account_ratios if account_ids is None or a in set(account_ids)]
    summary = PublishSummary(dry_run=dry_run, accounts=sorted(ctx.accounts[a].name for a in selected))
    changed_jobs, forced_jobs = PushCollector(ctx), PushCollector(ctx, force=True)
    levels = StockLevel.objects.order_by("sku")
    if skus is not None:
        levels = levels.filter(sku__in=list(skus))
    if unless_override_for is not None:
        levels = levels.exclude(
            sku__in=SkuRatioOverride.objects.filter(account_id=unless_override_for).values("sku")
        )
    total = levels.count() if progress else 0
    last_sku = None
    while True:
        page = levels if last_sku is None else levels.filter(sku__gt=last_sku)
        rows = list(page.values_list("sku", "shadow_available")[:chunk])
        if not rows:
            break
        last_sku = rows[-1][0]
        with transaction.atomic():
            to_push = reallocate(dict(rows), ctx)
            forced: dict[int, list[str]] = {}
            if force:
                for account_id in selected:
                    already = set(to_push.get(account_id, []))
                    forced[account_id] = [sku for sku, _ in rows if sku not in already]
            summary.skus += len(rows)
            summary.changed += sum(len(v) for v in to_push.values())
            summary.forced += sum(len(v) for v in forced.values())
            if dry_run:
                transaction.set_rollback(True)
            else:
                changed_jobs.add(to_push)
                forced_jobs.add(forced)
        if progress:
            progress(summary, total)
    if not dry_run:
        with transaction.atomic():
            summary.jobs = changed_jobs.flush() + forced_jobs.flush()
    log.info("stock.published", extra={"summary": summary.line(), "force": force})
    return summary
