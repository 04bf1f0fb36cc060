"""Pulling Zoho items (full resync or changed since the watermark) and handling Zoho webhooks."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from integration_server.http.errors import PermanentError
from integration_server.raw_payloads import webhook_job_kind
from inventory.clients.zoho import ZohoClient
from inventory.models import PublishedQuantity, StockLevel, ZohoConnection
from inventory.services.context import AllocationContext
from inventory.services.publishing import PushCollector
from inventory.services.stock_sync import SyncSummary, apply_one, apply_zoho_stock
from inventory.zoho_items import InvalidStock, has_stock_field, item_of, zoho_stock

log = logging.getLogger(__name__)

WATERMARK_OVERLAP = timedelta(minutes=2)


def sync_items(
    *,
    full: bool,
    dry_run: bool = False,
    client: ZohoClient | None = None,
    progress: Callable[[SyncSummary], None] | None = None,
) -> SyncSummary:
    """``_sync_items``, its outcome recorded on the connection (sync health: last success, consecutive
    failures, last error) unless a dry run."""
    try:
        summary = _sync_items(full=full, dry_run=dry_run, client=client, progress=progress)
    except Exception as exc:
        if not dry_run:
            record_sync_failure(exc)
        raise
    if not dry_run:
        ZohoConnection.objects.filter(pk=1).update(
            last_sync_success_at=timezone.now(), sync_failures=0, sync_failing_since=None, last_sync_error=""
        )
    return summary


def record_sync_failure(exc: Exception) -> None:
    now = timezone.now()
    ZohoConnection.objects.filter(pk=1).update(
        sync_failures=F("sync_failures") + 1,
        sync_failing_since=Coalesce("sync_failing_since", Value(now)),
        last_sync_error=f"{type(exc).__name__}: {exc}"[:2000],
    )


def _sync_items(
    *,
    full: bool,
    dry_run: bool = False,
    client: ZohoClient | None = None,
    progress: Callable[[SyncSummary], None] | None = None,
) -> SyncSummary:
    """Page through Zoho items and apply each page (one transaction per page). A full resync resets every
    shadow stock; the incremental one reads items changed since the watermark."""
    zoho_conn = ZohoConnection.objects.get(pk=1)
    client = client or ZohoClient(zoho_conn)
    since = None if full else zoho_conn.items_synced_until
    started = timezone.now()
    ctx = AllocationContext.load()
    collector = PushCollector(ctx)
    summary = SyncSummary()
    analyzed_at = 100
    pages = client.iter_item_pages(since)
    # the fetching thread has its own database connection: it could not see rows of a transaction still open here
    for items in pages if connection.in_atomic_block else prefetched(pages):
        records = []
        for item in items:
            try:
                record = zoho_stock(item, zoho_conn.stock_field, zoho_conn.stock_field_fallback)
            except InvalidStock as exc:
                summary.invalid += 1
                log.warning("zoho.item_rejected", extra={"sku": item.get("sku"), "reason": str(exc)})
                continue
            if record.sku:
                records.append(record)
        summary.read += len(items) - len(records)  # invalid and SKU-less items count as read too
        apply_zoho_stock(
            records, ctx=ctx, collector=collector, summary=summary, replay_equal=full, dry_run=dry_run
        )
        if not dry_run and summary.new_skus >= analyzed_at * 10:
            analyzed_at = max(summary.new_skus, 1000)
            refresh_planner_statistics()
        if progress:
            progress(summary)
    summary.without_connector = sorted(
        account.name for account, reason in ctx.excluded.values() if reason.startswith("not supported")
    )
    if not dry_run:
        summary.jobs = collector.flush()
        fields = {"items_synced_until": started - WATERMARK_OVERLAP}
        if full:
            fields["last_full_resync_at"] = started
        ZohoConnection.objects.filter(pk=zoho_conn.pk).update(**fields)
    log.info("zoho.sync_done", extra={"full": full, "dry_run": dry_run, "summary": summary.line()})
    return summary


def prefetched(pages: Iterator[list[dict]], depth: int = 2) -> Iterator[list[dict]]:
    """Fetch the next page(s) from Zoho in a thread while the current one is written: the network wait and
    the database work overlap. Errors of the fetching thread are raised here."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def fetch():
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put(page, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            buffer.put(exc)
        finally:
            connection.close()  # the pacing and token cache may have used this thread's database connection

    thread = threading.Thread(target=fetch, name="zoho-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


def refresh_planner_statistics() -> None:
    """A first resync loads the stock tables from empty: without fresh statistics PostgreSQL keeps planning
    for tiny tables (sequential scans) and every page gets slower. ANALYZE whenever they grew tenfold."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {StockLevel._meta.db_table}, {PublishedQuantity._meta.db_table}")


STOCK_KEYS = (
    "stock_on_hand",
    "available_stock",
    "actual_available_stock",
    "committed_stock",
    "actual_committed_stock",
    "available_for_sale_stock",
    "actual_available_for_sale_stock",
    "quantity_in_transit",
)


def check_zoho_connection(client: ZohoClient | None = None) -> dict:
    """Prove the token and organisation id, and show every stock key of one item (list and detail answers)
    so ops can compare them with the Zoho UI and choose the stock field."""
    client = client or ZohoClient()
    orgs = [str(o.get("organization_id")) for o in client.organizations()]
    first_page = next(iter(client.iter_item_pages()), [])
    sample = first_page[0] if first_page else {}
    detail = client.get_item(str(sample["item_id"])) if sample.get("item_id") else {}
    return {
        "organization_found": client.connection.organization_id in orgs,
        "sku": sample.get("sku"),
        "list_stock_keys": {k: sample.get(k) for k in STOCK_KEYS if k in sample},
        "detail_stock_keys": {k: detail.get(k) for k in STOCK_KEYS if k in detail},
    }


@webhook_job_kind("zoho", retries=3)
def process_zoho_webhook(raw, payload) -> dict | str:
    """Apply a Zoho item webhook: one item's stock -> stock level + shadow reset -> allocation -> pushes."""
    zoho_conn = ZohoConnection.objects.get(pk=1)
    try:
        item = item_of(payload)
    except InvalidStock as exc:
        log.warning("zoho.webhook_rejected", extra={"raw_payload_id": raw.pk, "reason": str(exc)})
        raise PermanentError(f"zoho webhook rejected: {exc}") from None
    sku = str(item.get("sku") or "").strip()
    if not sku:
        log.info("zoho.webhook_without_sku", extra={"raw_payload_id": raw.pk})
        return "ignored"
    if not has_stock_field(item, zoho_conn.stock_field, zoho_conn.stock_field_fallback) and item.get(
        "item_id"
    ):
        item = {**ZohoClient(zoho_conn).get_item(str(item["item_id"])), **{"sku": sku}}
    try:
        record = zoho_stock(item, zoho_conn.stock_field, zoho_conn.stock_field_fallback)
    except InvalidStock as exc:
        log.warning("zoho.webhook_rejected", extra={"sku": sku, "reason": str(exc), "raw_payload_id": raw.pk})
        raise PermanentError(f"zoho webhook for {sku} rejected: {exc}") from None
    if record.modified_at is None:  # no time in the body: the delivery's arrival orders it
        record = replace(record, modified_at=raw.received_at)
    summary = apply_one(record)
    return {
        "sku": sku,
        "available": record.available,
        "applied": summary.stale == 0,
        "stale": summary.stale > 0,
        "new_sku": summary.new_skus > 0,
        "jobs": summary.jobs,
    }


def resync_skus_from_zoho(skus, client: ZohoClient | None = None) -> dict:
    """ "Resync from Zoho" of a few SKUs: read each item from Zoho (by its item id), reset its stock level and
    shadow stock to Zoho's figure even if Zoho's time did not move, reallocate and queue what changed. One
    Zoho call per SKU; SKUs never seen from Zoho (no item id) are reported, not guessed."""
    zoho_conn = ZohoConnection.objects.get(pk=1)
    client = client or ZohoClient(zoho_conn)
    levels = dict(StockLevel.objects.filter(sku__in=list(skus)).values_list("sku", "zoho_item_id"))
    records, without_item, invalid = [], [], []
    for sku in sorted(levels):
        if not levels[sku]:
            without_item.append(sku)
            continue
        item = {**client.get_item(levels[sku]), "sku": sku}
        try:
            records.append(zoho_stock(item, zoho_conn.stock_field, zoho_conn.stock_field_fallback))
        except InvalidStock:
            invalid.append(sku)
    ctx = AllocationContext.load()
    summary = SyncSummary()
    with transaction.atomic():
        collector = PushCollector(ctx)
        apply_zoho_stock(records, ctx=ctx, collector=collector, summary=summary, replay_equal=True)
        summary.jobs = collector.flush()
    return {
        "resynced": len(records),
        "changed": summary.changed,
        "to_push": summary.to_push,
        "without_zoho_item": without_item,
        "invalid": invalid,
    }
