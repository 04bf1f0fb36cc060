"""Pulling orders from a marketplace account: incremental by update time with an overlap window, page by
page through the connector, each page stored by ``ingest_orders``; the watermark moves only after a
complete, successful pull.

A pull can stop midway: Amazon's searchOrders allows 20 pages in a burst, then one per ~3 min, and a
scheduled pull does not wait that long (pacing raises ThrottledError). Where the connector can resume
(``supports_resume``), each stored page also stores a checkpoint on the account (the window and the vendor's
token of the next page) in the same transaction; the next pull continues from it while it is younger than
ORDERS_RESUME_MAX_AGE_HOURS, else reads the window again. A complete pull clears it."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from integration_server.leases import keep_alive
from marketplaces import conf
from marketplaces.connectors import connector_for
from marketplaces.models import MarketplaceAccount
from marketplaces.services import acceptance
from marketplaces.services.ingest import IngestResult, ingest_orders

log = logging.getLogger(__name__)

NO_CHECKPOINT = {
    "pull_checkpoint_since": None,
    "pull_checkpoint_until": None,
    "pull_checkpoint_token": "",
    "pull_checkpoint_at": None,
}


@dataclass
class PullSummary:
    account: str
    since: datetime
    until: datetime
    pages: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    seconds: float = 0.0
    dry_run: bool = False
    resumed: bool = False  # continued an interrupted pull from its checkpoint

    def line(self) -> str:
        r = self.result
        mode = " (dry run: nothing stored)" if self.dry_run else ""
        resumed = " (resumed an interrupted pull)" if self.resumed else ""
        return (
            f"{self.account}: {self.pages} page(s), {r.seen} order(s) seen, {r.created} new, {r.updated} updated, "
            f"{r.cancelled} cancelled, {r.flagged} flagged, {r.unchanged} unchanged in {self.seconds:.1f}s"
            f"{resumed}{mode}"
        )


class PullPaused(ThrottledError):
    """The vendor's rate budget ran out midway: what was read is stored, the next pull continues. A normal
    event for a large window (after an outage), not a failure."""

    def __init__(self, message: str, summary: PullSummary, **kwargs):
        super().__init__(message, **kwargs)
        self.summary = summary

    def __str__(self):
        return self.args[0]


def pull_window_start(account: MarketplaceAccount, now: datetime) -> datetime:
    if account.orders_watermark:
        return account.orders_watermark - timedelta(minutes=conf.ORDERS_PULL_OVERLAP_MINUTES)
    return now - timedelta(days=conf.ORDERS_FIRST_PULL_DAYS)


def resume_point(account: MarketplaceAccount, now: datetime) -> tuple[datetime, datetime, str] | None:
    """(window start, window end, next page token) of the account's checkpoint while it is usable."""
    if not (
        account.pull_checkpoint_token and account.pull_checkpoint_since and account.pull_checkpoint_until
    ):
        return None
    max_age = timedelta(hours=conf.ORDERS_RESUME_MAX_AGE_HOURS)
    if account.pull_checkpoint_at is None or account.pull_checkpoint_at < now - max_age:
        log.info("orders.pull_checkpoint_expired", extra={"account_id": account.pk})
        return None
    return account.pull_checkpoint_since, account.pull_checkpoint_until, account.pull_checkpoint_token


def _update_account(account: MarketplaceAccount, **fields) -> None:
    MarketplaceAccount.objects.filter(pk=account.pk).update(**fields)
    for k, v in fields.items():
        setattr(account, k, v)


def _read_window(
    account, connector, summary: PullSummary, token: str | None, *, dry_run: bool, checkpoints: bool, progress
) -> None:
    pages = (
        connector.iter_orders(summary.since, summary.until, resume_token=token)
        if token
        else connector.iter_orders(summary.since, summary.until)
    )
    for page in pages:
        summary.pages += 1
        if dry_run:
            summary.result.seen += len(page.orders)
        else:
            orders, failure = page.orders, None
            if connector.requires_acceptance and orders:  # Mirakl OR21, before the orders are stored
                orders, failure = acceptance.accept_orders(account, connector, orders)
            with transaction.atomic():  # the page's orders and the point to resume after them, together
                result = ingest_orders(account, orders)
                if checkpoints and page.next_token and failure is None:
                    _update_account(
                        account,
                        pull_checkpoint_since=summary.since,
                        pull_checkpoint_until=summary.until,
                        pull_checkpoint_token=page.next_token,
                        pull_checkpoint_at=timezone.now(),
                    )
            summary.result.add(result)
            if failure is not None:
                raise failure
        if progress:
            progress(summary.pages, summary.result)


def _paused_message(summary: PullSummary, exc: ThrottledError, resumable: bool) -> str:
    stored = f"{summary.pages} page(s) read, {summary.result.created} new order(s) stored"
    then = (
        "the next scheduled pull resumes from the checkpoint"
        if resumable
        else "the next scheduled pull reads the window again"
    )
    return f"Paused (rate budget used up, not an error): {stored}; {then}. [{exc}]"


def pull_orders(
    account: MarketplaceAccount,
    *,
    since: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int, IngestResult], None] | None = None,
    connector=None,
) -> PullSummary:
    """Pull the account's window: from the checkpoint of an interrupted pull, else from the watermark (or
    ``since``: a backfill by hand, which neither reads nor writes a checkpoint). Raises ``PullPaused`` when
    the vendor's budget runs out midway, and any other error as it comes (the checkpoint stays)."""
    connector = connector or connector_for(account)
    now = timezone.now()
    checkpoints = bool(connector.supports_resume) and since is None and not dry_run
    resume = resume_point(account, now) if checkpoints else None
    if resume:
        start, until, token = resume
    else:
        start, until, token = since or pull_window_start(account, now), now - connector.update_lag, None
        if checkpoints and account.pull_checkpoint_since:  # an unusable checkpoint: read its window again
            start = min(start, account.pull_checkpoint_since)
    summary = PullSummary(
        account=account.name, since=start, until=until, dry_run=dry_run, resumed=token is not None
    )
    t0 = time.monotonic()
    if start >= until:  # nothing can have changed in an empty window (the vendor would refuse it)
        return summary
    options = {"dry_run": dry_run, "checkpoints": checkpoints, "progress": progress}
    try:
        try:
            _read_window(account, connector, summary, token, **options)
        except PermanentError as exc:
            # the vendor refused the stored token (expired early, say): read the window again from its start
            if token is None or summary.pages or isinstance(exc, AuthenticationError):
                raise
            log.warning(
                "orders.pull_resume_refused", extra={"account_id": account.pk, "error": str(exc)[:300]}
            )
            _update_account(account, **NO_CHECKPOINT)
            summary.until, summary.resumed = timezone.now() - connector.update_lag, False
            _read_window(account, connector, summary, None, **options)
    except ThrottledError as exc:
        message = _paused_message(summary, exc, checkpoints)
        if not dry_run:
            _update_account(account, last_pull_at=timezone.now(), last_pull_error=message[:2000])
        log.info(
            "orders.pull_paused",
            extra={
                "account_id": account.pk,
                "pages": summary.pages,
                "orders_created": summary.result.created,
                "wait_s": round(exc.wait_seconds),
            },
        )
        raise PullPaused(message, summary, wait_seconds=exc.wait_seconds, vendor=exc.vendor) from exc
    except Exception as exc:
        failed_at = timezone.now()
        _update_account(
            account,
            last_pull_at=failed_at,
            last_pull_error=f"{type(exc).__name__}: {exc}"[:2000],
            pull_failures=account.pull_failures + 1,
            pull_failing_since=account.pull_failing_since or failed_at,
        )
        log.warning("orders.pull_failed", extra={"account_id": account.pk, "error": type(exc).__name__})
        raise
    summary.seconds = time.monotonic() - t0
    if not dry_run:
        done_at = timezone.now()
        fields = {
            "last_pull_at": done_at,
            "last_pull_error": "",
            "last_pull_success_at": done_at,
            "pull_failures": 0,
            "pull_failing_since": None,
        }
        if since is None or account.orders_watermark is None or until > account.orders_watermark:
            fields["orders_watermark"] = max(until, account.orders_watermark or until)
        checkpoint_start = account.pull_checkpoint_since
        if since is None or (checkpoint_start is not None and since <= checkpoint_start):
            fields.update(NO_CHECKPOINT)  # this pull covered the interrupted one's window
        _update_account(account, **fields)
    log.info(
        "orders.pulled",
        extra={
            "account_id": account.pk,
            "pages": summary.pages,
            "resumed": summary.resumed,
            "orders_created": summary.result.created,
            "orders_updated": summary.result.updated,
            "orders_cancelled": summary.result.cancelled,
        },
    )
    return summary


def _pull_lease() -> timedelta:
    return timedelta(seconds=conf.ORDERS_PULL_LEASE_SECONDS)


def claim_pull(account: MarketplaceAccount, now: datetime | None = None) -> str:
    """Take the account's pull lease (one conditional UPDATE); returns the holder's token, or "" when a pull
    of the account is running. The lease is short and renewed by the holder's heartbeat (``renew_pull``):
    a lease left by a killed worker expires within ORDERS_PULL_LEASE_SECONDS."""
    now = now or timezone.now()
    holder = uuid.uuid4().hex
    claimed = (
        MarketplaceAccount.objects.filter(pk=account.pk)
        .filter(Q(pull_lease_until__isnull=True) | Q(pull_lease_until__lt=now))
        .update(pull_lease_until=now + _pull_lease(), pull_lease_holder=holder)
    )
    return holder if claimed else ""


def renew_pull(account_id: int, holder: str) -> bool:
    """The holder's heartbeat: its lease runs ORDERS_PULL_LEASE_SECONDS from now."""
    return bool(
        MarketplaceAccount.objects.filter(pk=account_id, pull_lease_holder=holder).update(
            pull_lease_until=timezone.now() + _pull_lease()
        )
    )


def release_pull(account: MarketplaceAccount, holder: str) -> None:
    MarketplaceAccount.objects.filter(pk=account.pk, pull_lease_holder=holder).update(
        pull_lease_until=None, pull_lease_holder=""
    )


@contextmanager
def holding_pull(account: MarketplaceAccount) -> Iterator[str]:
    """The account's pull lease for the block, kept alive by a heartbeat ("" if another pull holds it)."""
    holder = claim_pull(account)
    if not holder:
        yield ""
        return
    try:
        with keep_alive(lambda: renew_pull(account.pk, holder), every=conf.ORDERS_PULL_LEASE_SECONDS / 3):
            yield holder
    finally:
        release_pull(account, holder)


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
