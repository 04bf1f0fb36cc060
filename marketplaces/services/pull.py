"""Pulling orders from a marketplace account: incremental by update time with an overlap window, page by
page through the connector, each page stored by ``ingest_orders``; the watermark moves only after a
complete, successful pull."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from marketplaces import conf
from marketplaces.connectors import connector_for
from marketplaces.models import MarketplaceAccount
from marketplaces.services.ingest import IngestResult, ingest_orders

log = logging.getLogger(__name__)


@dataclass
class PullSummary:
    account: str
    since: datetime
    until: datetime
    pages: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    seconds: float = 0.0
    dry_run: bool = False

    def line(self) -> str:
        r = self.result
        mode = " (dry run: nothing stored)" if self.dry_run else ""
        return (
            f"{self.account}: {self.pages} page(s), {r.seen} order(s) seen, {r.created} new, {r.updated} updated, "
            f"{r.cancelled} cancelled, {r.flagged} flagged, {r.unchanged} unchanged in {self.seconds:.1f}s{mode}"
        )


def pull_window_start(account: MarketplaceAccount, now: datetime) -> datetime:
    if account.orders_watermark:
        return account.orders_watermark - timedelta(minutes=conf.ORDERS_PULL_OVERLAP_MINUTES)
    return now - timedelta(days=conf.ORDERS_FIRST_PULL_DAYS)


def pull_orders(
    account: MarketplaceAccount,
    *,
    since: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int, IngestResult], None] | None = None,
    connector=None,
) -> PullSummary:
    connector = connector or connector_for(account)
    now = timezone.now()
    until = now - connector.update_lag
    start = since or pull_window_start(account, now)
    summary = PullSummary(account=account.name, since=start, until=until, dry_run=dry_run)
    t0 = time.monotonic()
    if start >= until:  # nothing can have changed in an empty window (the vendor would refuse it)
        return summary
    try:
        for page in connector.iter_orders(start, until):
            summary.pages += 1
            if dry_run:
                summary.result.seen += len(page.orders)
            else:
                if connector.requires_acceptance and page.orders:
                    connector.acknowledge_orders(page.orders)
                summary.result.add(ingest_orders(account, page.orders))
            if progress:
                progress(summary.pages, summary.result)
    except Exception as exc:
        MarketplaceAccount.objects.filter(pk=account.pk).update(
            last_pull_at=timezone.now(), last_pull_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.warning("orders.pull_failed", extra={"account_id": account.pk, "error": type(exc).__name__})
        raise
    summary.seconds = time.monotonic() - t0
    if not dry_run:
        fields = {"last_pull_at": timezone.now(), "last_pull_error": ""}
        if since is None or account.orders_watermark is None or until > account.orders_watermark:
            fields["orders_watermark"] = max(until, account.orders_watermark or until)
        MarketplaceAccount.objects.filter(pk=account.pk).update(**fields)
        for k, v in fields.items():
            setattr(account, k, v)
    log.info(
        "orders.pulled",
        extra={
            "account_id": account.pk,
            "pages": summary.pages,
            "orders_created": summary.result.created,
            "orders_updated": summary.result.updated,
            "orders_cancelled": summary.result.cancelled,
        },
    )
    return summary


PULL_LEASE = timedelta(minutes=10)


def claim_pull(account: MarketplaceAccount, now: datetime | None = None) -> bool:
    """Take the account's pull lease (one conditional UPDATE): a second scheduled pull of the same account
    while one runs is skipped; a lease left by a killed worker expires."""
    now = now or timezone.now()
    claimed = (
        MarketplaceAccount.objects.filter(pk=account.pk)
        .filter(Q(pull_lease_until__isnull=True) | Q(pull_lease_until__lt=now))
        .update(pull_lease_until=now + PULL_LEASE)
    )
    return bool(claimed)


def release_pull(account: MarketplaceAccount) -> None:
    MarketplaceAccount.objects.filter(pk=account.pk).update(pull_lease_until=None)


def accounts_due(now: datetime | None = None) -> list[MarketplaceAccount]:
    now = now or timezone.now()
    due = []
    for account in MarketplaceAccount.objects.filter(enabled=True).filter(
        Q(pull_lease_until__isnull=True) | Q(pull_lease_until__lt=now)
    ):
        interval = timedelta(minutes=account.pull_interval_minutes or 5)
        if account.last_pull_at is None or account.last_pull_at + interval <= now + timedelta(seconds=30):
            due.append(account)
    return due
