"""Zoho's figures -> stock levels (shadow stock reset) -> allocation -> push jobs.

Used by the webhook (one item), the incremental sync and the full resync (pages of 200). A record older than
the one applied last for the SKU (by Zoho's last_modified_time) changes nothing; the webhook also ignores an
equal time (a repeated delivery), the resync applies it again to reset the shadow stock.
A page costs a constant number of queries: read the levels, upsert the changed ones, overrides, published
rows, upsert changed targets (+ one insert of depletion events, + one of jobs when a connector batch fills).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from inventory.models import StockEvent, StockLevel
from inventory.services.context import AllocationContext
from inventory.services.publishing import PushCollector, reallocate
from inventory.services.sql_lists import SPLIT, SPLIT_NULLS, fast_sql, joined, joined_times
from inventory.zoho_items import ZohoStock

log = logging.getLogger(__name__)
STOCK = StockLevel._meta.db_table


@dataclass
class SyncSummary:
    read: int = 0
    changed: int = 0
    stale: int = 0
    invalid: int = 0
    new_skus: int = 0
    depleted: int = 0
    to_push: int = 0
    jobs: int = 0
    new_sku_list: list[str] = field(default_factory=list)
    without_connector: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.read} items read, {self.changed} changed, {self.stale} stale, {self.invalid} invalid, "
            f"{self.new_skus} new SKUs, "
            f"{self.depleted} depleted, {self.to_push} quantities to push in {self.jobs} push jobs"
            + (
                f" (no connector yet, left out of the allocation: {', '.join(self.without_connector)})"
                if self.without_connector
                else ""
            )
        )


def apply_zoho_stock(
    records: list[ZohoStock],
    *,
    ctx: AllocationContext,
    collector: PushCollector | None,
    summary: SyncSummary,
    replay_equal: bool,
    dry_run: bool = False,
) -> None:
    """Apply one page of Zoho figures in one transaction. ``replay_equal``: a record with the same modified
    time as the stored one is applied again (resync) instead of ignored (webhook)."""
    by_sku: dict[str, ZohoStock] = {}
    for record in records:  # a page could carry one SKU twice: keep the newest
        old = by_sku.get(record.sku)
        if old is None or (record.modified_at or _EPOCH) >= (old.modified_at or _EPOCH):
            by_sku[record.sku] = record
    summary.read += len(records)
    if not by_sku:
        return
    try:
        with transaction.atomic():
            _apply_page(by_sku, ctx, collector, summary, replay_equal, dry_run)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass


class _DryRunRollback(Exception):
    pass


def _apply_page(by_sku, ctx, collector, summary, replay_equal, dry_run) -> None:
    now = timezone.now()
    if fast_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT sku, zoho_available, zoho_modified_at, shadow_available, depleted, depletion_count,
                        zoho_item_id
                    FROM {STOCK} WHERE sku = ANY({SPLIT}) ORDER BY sku FOR UPDATE""",  # noqa: S608
                [joined(by_sku)],
            )
            rows = cursor.fetchall()
    else:
        rows = (
            StockLevel.objects.select_for_update()
            .filter(sku__in=list(by_sku))
            .order_by("sku")
            .values_list(
                "sku",
                "zoho_available",
                "zoho_modified_at",
                "shadow_available",
                "depleted",
                "depletion_count",
                "zoho_item_id",
            )
        )
    existing = {row[0]: row[1:] for row in rows}
    writes, events, levels = [], [], {}
    for sku in sorted(by_sku):
        rec = by_sku[sku]
        old = existing.get(sku)
        if old is not None:
            zoho, modified, shadow, depleted, count, item_id = old
            if (
                modified is not None
                and rec.modified_at is not None
                and (rec.modified_at < modified or (rec.modified_at == modified and not replay_equal))
            ):
                summary.stale += 1
                continue
            if (
                zoho == rec.available
                and shadow == rec.available
                and item_id == rec.item_id
                and (modified == rec.modified_at)
            ):
                levels[sku] = shadow  # nothing to write; allocation still re-checked (safety net)
                continue
        else:
            depleted, count = False, 0
            summary.new_skus += 1
            if len(summary.new_sku_list) < 100:
                summary.new_sku_list.append(sku)
        newly_depleted = rec.available <= 0 and not depleted
        if newly_depleted:
            count += 1
            events.append(
                StockEvent(
                    kind=StockEvent.Kind.DEPLETED, sku=sku, episode=count, details={"zoho": rec.available}
                )
            )
        writes.append((sku, rec.item_id, rec.available, rec.modified_at, count))
        levels[sku] = rec.available
    summary.changed += len(writes)
    summary.depleted += len(events)
    if writes and not fast_sql():
        StockLevel.objects.bulk_create(
            [
                StockLevel(
                    sku=sku,
                    zoho_item_id=item_id,
                    zoho_available=available,
                    zoho_modified_at=modified,
                    shadow_available=available,
                    shadow_reset_at=now,
                    depleted=available <= 0,
                    depletion_count=count,
                    updated_at=now,
                )
                for sku, item_id, available, modified, count in writes
            ],
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=[
                "zoho_item_id",
                "zoho_available",
                "zoho_modified_at",
                "shadow_available",
                "shadow_reset_at",
                "depleted",
                "depletion_count",
                "updated_at",
            ],
            batch_size=500,
        )
    elif writes:  # in SKU order: the same lock order as the shadow-stock path
        columns = list(zip(*writes, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {STOCK} (sku, zoho_item_id, zoho_available, zoho_modified_at, shadow_available,
                        shadow_reset_at, depleted, depletion_count, updated_at)
                    SELECT s, i, a, m, a, %s, a <= 0, c, %s
                    FROM unnest({SPLIT}, {SPLIT}, {SPLIT}::int[], {SPLIT_NULLS}::timestamptz[], {SPLIT}::int[])
                        AS d(s, i, a, m, c)
                    ON CONFLICT (sku) DO UPDATE SET
                        zoho_item_id = EXCLUDED.zoho_item_id, zoho_available = EXCLUDED.zoho_available,
                        zoho_modified_at = EXCLUDED.zoho_modified_at,
                        shadow_available = EXCLUDED.shadow_available, shadow_reset_at = EXCLUDED.shadow_reset_at,
                        depleted = EXCLUDED.depleted, depletion_count = EXCLUDED.depletion_count,
                        updated_at = EXCLUDED.updated_at""",  # noqa: S608
                [
                    now,
                    now,
                    joined(columns[0]),
                    joined(columns[1]),
                    joined(columns[2]),
                    joined_times(columns[3]),
                    joined(columns[4]),
                ],
            )
    if events:
        StockEvent.objects.bulk_create(events, ignore_conflicts=True)
    to_push = reallocate(levels, ctx)
    summary.to_push += sum(len(v) for v in to_push.values())
    if collector is not None and not dry_run:
        collector.add(to_push)
        summary.jobs = collector.jobs_written


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def apply_one(record: ZohoStock, *, replay_equal: bool = False) -> SyncSummary:
    """The webhook path: one item, its pushes written in the same transaction."""
    ctx = AllocationContext.load()
    summary = SyncSummary()
    with transaction.atomic():
        collector = PushCollector(ctx)
        apply_zoho_stock([record], ctx=ctx, collector=collector, summary=summary, replay_equal=replay_equal)
        summary.jobs = collector.flush()
    return summary
