"""Allocation results -> per (SKU, account) targets -> outbox jobs "stock.push" for what changed, in the
largest batches each connector allows -> the handler that pushes and records each SKU's result.

A job carries an account and a list of SKUs, never a quantity: the handler reads the current target when it
runs, so a newer quantity always supersedes an older pending one, and a SKU already pushed by another job
is skipped (only target != last accepted quantity is sent).

A submission the marketplace processes later (an Amazon feed: ``QuantityResult.pending``) counts as published
at once; the job "stock.confirm" reads the verdict later and undoes the SKUs it rejected.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from integration_server.http.errors import ThrottledError
from integration_server.models import OutboundJob
from integration_server.outbox import batch_job_kind, enqueue_job, enqueue_jobs, job_kind
from inventory.models import PublishedQuantity
from inventory.services.context import AllocationContext
from inventory.services.sql_lists import SPLIT, fast_sql, joined
from marketplaces.connectors.base import QuantityUpdate, connector_for
from marketplaces.models import MarketplaceAccount

log = logging.getLogger(__name__)

PUSH_STOCK = "stock.push"
CONFIRM_STOCK = "stock.confirm"
CONFIRM_EVERY_SECONDS = 120  # how often a submission the marketplace still processes is asked about
PUBLISHED = PublishedQuantity._meta.db_table
MAX_RETRIES = 3  # SPEC 4


def group_key_for(account_id: int) -> str:
    return f"account:{account_id}"


def reallocate(levels: dict[str, int], ctx: AllocationContext) -> dict[int, list[str]]:
    """Allocate each SKU's shadow stock, store the targets that changed, and return per account the SKUs
    whose target differs from what the marketplace last accepted. Three queries whatever the SKU count."""
    if not levels or not ctx.account_ratios:
        return {}
    skus = sorted(levels)
    overrides = ctx.overrides_for(skus)
    if fast_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT sku, account_id, target_quantity, published_quantity FROM {PUBLISHED}
                    WHERE sku = ANY({SPLIT})""",  # noqa: S608
                [joined(skus)],
            )
            rows = cursor.fetchall()
    else:
        rows = PublishedQuantity.objects.filter(sku__in=skus).values_list(
            "sku", "account_id", "target_quantity", "published_quantity"
        )
    existing = {(sku, account_id): (target, published) for sku, account_id, target, published in rows}
    now = timezone.now()
    w_sku, w_account, w_qty = [], [], []
    to_push: dict[int, list[str]] = defaultdict(list)
    for sku in skus:
        quantities = ctx.allocator_for(overrides.get(sku)).quantities(levels[sku])
        for account_id in sorted(quantities):
            qty = quantities[account_id]
            old = existing.get((sku, account_id))
            if old is None or old[0] != qty:
                w_sku.append(sku)
                w_account.append(account_id)
                w_qty.append(qty)
            if old is None or old[1] != qty:
                to_push[account_id].append(sku)
    if w_sku and not fast_sql():
        PublishedQuantity.objects.bulk_create(
            [
                PublishedQuantity(sku=s, account_id=a, target_quantity=q, updated_at=now)
                for s, a, q in zip(w_sku, w_account, w_qty, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["sku", "account"],
            update_fields=["target_quantity", "updated_at"],
            batch_size=500,
        )
    elif w_sku:  # rows in (sku, account) order: the same lock order as the shadow-stock path
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {PUBLISHED} (sku, account_id, target_quantity, ordered_since_publish,
                        last_result, last_reason, updated_at)
                    SELECT s, a, q, 0, '', '', %s FROM unnest({SPLIT}, {SPLIT}::bigint[], {SPLIT}::int[]) AS d(s, a, q)
                    ON CONFLICT (sku, account_id) DO UPDATE
                    SET target_quantity = EXCLUDED.target_quantity, updated_at = EXCLUDED.updated_at""",  # noqa: S608
                [now, joined(w_sku), joined(w_account), joined(w_qty)],
            )
    return dict(to_push)


class PushCollector:
    """Gathers SKUs to push per account into jobs of whole connector batches (``flush`` writes the rest), so
    a resync produces the fewest calls the batch limits allow. Full jobs are written in groups
    (``write_every`` jobs) to keep a resync's inserts and worker pokes few; a crash before they are written
    leaves targets unpushed, which the next resync or rebalance pushes (target != published)."""

    write_every = 200

    def __init__(self, ctx: AllocationContext, *, force: bool = False):
        self.ctx = ctx
        self.force = force  # the jobs re-send their SKUs' quantities even when unchanged ("Publish now")
        self.ready: list[tuple[int, list[str]]] = []
        self.pending: dict[int, list[str]] = defaultdict(list)
        self.seen: dict[int, set[str]] = defaultdict(set)
        self.skus_queued = 0
        self.jobs_written = 0

    def add(self, to_push: dict[int, list[str]]) -> None:
        full: list[tuple[int, list[str]]] = []
        for account_id, skus in to_push.items():
            size = self.ctx.job_capacity(account_id)
            if size is None:
                continue
            seen = self.seen[account_id]
            fresh = [s for s in skus if s not in seen]
            seen.update(fresh)
            bucket = self.pending[account_id]
            bucket.extend(fresh)
            self.skus_queued += len(fresh)
            while len(bucket) >= size:
                full.append((account_id, bucket[:size]))
                del bucket[:size]
        self.ready.extend(full)
        if len(self.ready) >= self.write_every or sum(len(c[1]) for c in self.ready) >= 50_000:
            self._write(self.ready)
            self.ready = []

    def flush(self) -> int:
        rest = self.ready + [(a, skus) for a, skus in self.pending.items() if skus]
        self.ready = []
        self.pending.clear()
        self._write(rest)
        return self.jobs_written

    def _write(self, chunks: list[tuple[int, list[str]]]) -> None:
        if not chunks:
            return
        small = [(a, skus) for a, skus in chunks if len(skus) <= 1000]
        if small:
            enqueue_jobs(
                [
                    OutboundJob(
                        kind=PUSH_STOCK,
                        payload=self._payload(account_id, skus),
                        group_key=group_key_for(account_id),
                    )
                    for account_id, skus in small
                ]
            )
        for account_id, skus in chunks:  # big payloads one by one: a bulk insert would quote them slowly
            if len(skus) > 1000:
                enqueue_job(PUSH_STOCK, self._payload(account_id, skus), group_key=group_key_for(account_id))
        self.jobs_written += len(chunks)

    def _payload(self, account_id: int, skus: list[str]) -> dict:
        payload = {"account_id": account_id, "skus": skus}
        if self.force:
            payload["force"] = True
        return payload


def reallocate_and_enqueue(
    levels: dict[str, int], ctx: AllocationContext | None = None
) -> dict[int, list[str]]:
    """Reallocate a few SKUs and write their push jobs at once (webhook, orders, cancellations)."""
    ctx = ctx or AllocationContext.load()
    to_push = reallocate(levels, ctx)
    collector = PushCollector(ctx)
    collector.add(to_push)
    collector.flush()
    return to_push


# --- the job handler ------------------------------------------------------------------------------------


@batch_job_kind(PUSH_STOCK, retries=MAX_RETRIES, batch=20, lease_seconds=900)
def push_stock(jobs: list[OutboundJob]) -> dict:
    """Publish stock quantities to one marketplace account. The claimed jobs' SKUs are merged per account, the current targets read, and
    only changed ones pushed in chunks of the connector's batch limit (the runner claims per account group;
    a claim across groups is split here)."""
    by_account: dict[int, list[OutboundJob]] = defaultdict(list)
    for job in jobs:
        by_account[int(job.payload["account_id"])].append(job)
    outcomes: dict = {}
    for account_id, account_jobs in by_account.items():
        try:
            outcomes.update(_push_account(account_id, account_jobs))
        except Exception as exc:  # noqa: BLE001 - this account's jobs fail; the runner classifies it
            outcomes.update({job.pk: exc for job in account_jobs})
    return outcomes


def _push_account(account_id: int, jobs: list[OutboundJob]) -> dict:
    account = MarketplaceAccount.objects.select_related("stock_policy").get(pk=account_id)
    policy = getattr(account, "stock_policy", None)
    if not account.enabled or policy is None or not policy.publish_enabled:
        log.info("stock.push_skipped", extra={"account_id": account_id, "reason": "publishing off"})
        return {job.pk: {"skipped": "publishing is off for this account"} for job in jobs}
    connector = connector_for(account)
    size = max(int(connector.max_quantity_batch), 1)

    skus_of_job = {job.pk: list(dict.fromkeys(job.payload.get("skus", []))) for job in jobs}
    all_skus = list(dict.fromkeys(s for skus in skus_of_job.values() for s in skus))
    current = {}
    for start in range(0, len(all_skus), 10000):
        chunk = all_skus[start : start + 10000]
        current.update(
            {
                sku: (target, published)
                for sku, target, published in PublishedQuantity.objects.filter(
                    account=account, sku__in=chunk
                ).values_list("sku", "target_quantity", "published_quantity")
            }
        )
    forced = {s for job in jobs if job.payload.get("force") for s in skus_of_job[job.pk]}
    updates = [
        QuantityUpdate(sku=sku, quantity=current[sku][0])
        for sku in all_skus
        if sku in current and (current[sku][0] != current[sku][1] or sku in forced)
    ]

    failed: dict[str, Exception] = {}
    accepted: dict[str, int] = {}
    rejected: dict[str, tuple[int, str]] = {}
    pending: dict[tuple[str, str], list[QuantityUpdate]] = defaultdict(list)  # (ref, reason) -> updates
    calls = 0
    for start in range(0, len(updates), size):
        batch = updates[start : start + size]
        try:
            results = connector.update_quantities(batch)
            calls += 1
        except Exception as exc:  # noqa: BLE001 - this batch's jobs get the error; later batches wait too
            for update in updates[start:]:
                failed[update.sku] = exc
            break
        by_sku = {r.sku: r for r in results}
        for update in batch:
            result = by_sku.get(update.sku)
            if result is not None and result.accepted:
                accepted[update.sku] = update.quantity
                if result.pending:
                    pending[(result.pending, result.reason or f"{result.pending} submitted")].append(update)
            else:
                reason = result.reason if result is not None else "no result returned for this SKU"
                rejected[update.sku] = (update.quantity, reason or "rejected")
    with transaction.atomic():  # a pending submission and its confirm job are stored together
        _record_results(account.pk, accepted, rejected)
        for (ref, reason), submitted in pending.items():
            previous = {u.sku: current[u.sku][1] for u in submitted}
            _await_confirmation(account.pk, ref, reason, submitted, previous)
    if rejected:
        log.warning(
            "stock.push_rejected",
            extra={"account_id": account.pk, "count": len(rejected), "first_sku": next(iter(rejected))},
        )

    outcomes = {}
    for job in jobs:
        errors = [failed[s] for s in skus_of_job[job.pk] if s in failed]
        if errors:
            outcomes[job.pk] = errors[0]
        else:
            skus = skus_of_job[job.pk]
            outcomes[job.pk] = {
                "accepted": sum(1 for s in skus if s in accepted),
                "rejected_count": sum(1 for s in skus if s in rejected),
                "rejected": dict(
                    itertools.islice(((s, rejected[s][1][:200]) for s in skus if s in rejected), 50)
                ),
                "unchanged": sum(1 for s in skus if s not in accepted and s not in rejected),
                "calls_in_batch": calls,
            }
    return outcomes


def _record_results(account_id: int, accepted: dict[str, int], rejected: dict[str, tuple[int, str]]) -> None:
    """One UPDATE per outcome kind: accepted quantities become the published ones (units ordered since are
    counted from zero again); rejections keep the published quantity and record the reason."""
    now = timezone.now()
    table = PublishedQuantity._meta.db_table
    if not fast_sql():
        with transaction.atomic():
            for sku, qty in sorted(accepted.items()):
                PublishedQuantity.objects.filter(account_id=account_id, sku=sku).update(
                    published_quantity=qty,
                    last_pushed_quantity=qty,
                    last_result="accepted",
                    last_reason="",
                    last_pushed_at=now,
                    ordered_since_publish=0,
                )
            for sku, (qty, reason) in sorted(rejected.items()):
                PublishedQuantity.objects.filter(account_id=account_id, sku=sku).update(
                    last_pushed_quantity=qty,
                    last_result="rejected",
                    last_reason=reason[:1000],
                    last_pushed_at=now,
                )
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if accepted:
            skus = sorted(accepted)
            cursor.execute(
                f"""UPDATE {table} p SET published_quantity = d.qty, last_pushed_quantity = d.qty,
                        last_result = 'accepted', last_reason = '', last_pushed_at = %s,
                        ordered_since_publish = 0
                    FROM unnest(%s::text[], %s::int[]) AS d(sku, qty)
                    WHERE p.account_id = %s AND p.sku = d.sku""",  # noqa: S608
                [now, skus, [accepted[s] for s in skus], account_id],
            )
        if rejected:
            skus = sorted(rejected)
            cursor.execute(
                f"""UPDATE {table} p SET last_pushed_quantity = d.qty, last_result = 'rejected',
                        last_reason = d.reason, last_pushed_at = %s
                    FROM unnest(%s::text[], %s::int[], %s::text[]) AS d(sku, qty, reason)
                    WHERE p.account_id = %s AND p.sku = d.sku""",  # noqa: S608
                [
                    now,
                    skus,
                    [rejected[s][0] for s in skus],
                    [rejected[s][1][:1000] for s in skus],
                    account_id,
                ],
            )


# --- submissions the marketplace processes later (Amazon JSON_LISTINGS_FEED) ---------------------------------


def _await_confirmation(account_id: int, ref: str, reason: str, submitted: list[QuantityUpdate], previous):
    """The quantities count as published now (no second push of the same figures); a "stock.confirm" job
    asks the marketplace for its verdict later and undoes the SKUs it rejected."""
    PublishedQuantity.objects.filter(account_id=account_id, sku__in=[u.sku for u in submitted]).update(
        last_reason=reason[:1000]
    )
    enqueue_job(
        CONFIRM_STOCK,
        {
            "account_id": account_id,
            "pending": ref,
            "reason": reason,
            "skus": [[u.sku, u.quantity, previous.get(u.sku)] for u in submitted],  # in submission order
        },
        dedupe_key=f"{account_id}:{ref}",
        group_key=group_key_for(account_id),
        run_at=timezone.now() + timedelta(seconds=CONFIRM_EVERY_SECONDS),
    )


@job_kind(CONFIRM_STOCK, retries=MAX_RETRIES)
def confirm_stock(job: OutboundJob) -> dict:
    """Read the marketplace's final verdict on a submission it took as pending. A
    rejected SKU gets back the quantity published before (so the next rebalance or resync pushes it again)
    and the reason; an accepted one loses the "not processed yet" note. Rows a newer push has touched since
    (another reason) are left alone. Still processing -> ask again later (a wait, no retry spent)."""
    account = MarketplaceAccount.objects.get(pk=job.payload["account_id"])
    items = job.payload["skus"]
    results = connector_for(account).quantity_results(
        job.payload["pending"], [QuantityUpdate(sku=sku, quantity=qty) for sku, qty, _ in items]
    )
    if results is None:
        raise ThrottledError(
            f"{job.payload['pending']} still being processed", wait_seconds=CONFIRM_EVERY_SECONDS
        )
    verdict = {r.sku: r for r in results}
    rows = PublishedQuantity.objects.filter(account=account, last_reason=job.payload["reason"][:1000])
    rejected: dict[tuple, list[str]] = defaultdict(list)
    for sku, _, previous in items:
        result = verdict.get(sku)
        if result is None or not result.accepted:
            reason = result.reason if result is not None else "no result returned for this SKU"
            rejected[(previous, reason or "rejected")].append(sku)
    with transaction.atomic():
        rows.filter(
            sku__in=[sku for sku, _, _ in items if verdict.get(sku) and verdict[sku].accepted]
        ).update(last_reason="")
        for (previous, reason), skus in rejected.items():
            rows.filter(sku__in=skus).update(
                published_quantity=previous, last_result="rejected", last_reason=reason[:1000]
            )
    count = sum(len(v) for v in rejected.values())
    if count:
        log.warning("stock.push_rejected_later", extra={"account_id": account.pk, "count": count})
    return {"confirmed": len(items) - count, "rejected": count}
