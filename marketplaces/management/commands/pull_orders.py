"""Pull orders now (backfills): every enabled account, or the ones named; optionally from a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from integration_server.http import pacing
from integration_server.progress import ProgressLine
from marketplaces.connectors import connector_class
from marketplaces.models import MarketplaceAccount
from marketplaces.services.pull import PullPaused, pull_orders


def parse_since(text: str):
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(
                f"--since {text!r}: give an ISO date or date-time, e.g. 2026-11-01 or 2026-11-01T08:00Z"
            )
        value = datetime(day.year, day.month, day.day)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def lookback_refusal(account, start) -> str:
    """Why a backfill from ``start`` cannot be done for this account ('' = it can): eBay's GetOrders returns
    nothing changed more than 90 days ago."""
    days = getattr(connector_class(account.channel), "max_lookback_days", None)
    if start is None or not days:
        return ""
    earliest = timezone.now() - timedelta(days=days)
    if start >= earliest:
        return ""
    return (
        f"{account.get_channel_display()} returns only orders changed in the last {days} days: --since "
        f"{start:%Y-%m-%d} is older; give {earliest:%Y-%m-%d} or later (older orders are not available "
        "through the API)"
    )


class Command(BaseCommand):
    help = "Pull orders from marketplace accounts now (incremental from the watermark, or --since a date)."

    def add_arguments(self, parser):
        parser.add_argument("--account", action="append", default=[], help="Account name or id (repeatable).")
        parser.add_argument(
            "--since",
            help="ISO date/time to pull from (a backfill; ignores an interrupted pull's checkpoint); default: the "
            "watermark, or the checkpoint of an interrupted pull.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Page through the marketplace, store nothing."
        )

    def handle(self, *args, account, since, dry_run, **options):
        accounts = MarketplaceAccount.objects.filter(enabled=True)
        if account:
            ids = [a for a in account if a.isdigit()]
            accounts = MarketplaceAccount.objects.filter(Q(name__in=account) | Q(pk__in=ids))
            missing = set(account) - {a.name for a in accounts} - {str(a.pk) for a in accounts}
            if missing:
                raise CommandError(f"unknown account(s): {', '.join(sorted(missing))}")
        start = parse_since(since) if since else None
        totals = {"accounts": 0, "failed": 0, "paused": 0, "created": 0, "seen": 0}
        for acc in accounts:
            self.stdout.write(f"{acc} from {start or 'the watermark'}{' (dry run)' if dry_run else ''}")

            line = ProgressLine(self.stdout)

            def progress(pages, result, line=line):
                line.update(detail=f"page {pages}: {result.seen} seen, {result.created} new")

            too_old = lookback_refusal(acc, start)
            if too_old:
                totals["failed"] += 1
                self.stderr.write(f"  refused: {too_old}")
                continue
            try:
                with pacing.patient():  # by hand, a backfill waits for the vendor's budget page by page
                    summary = pull_orders(acc, since=start, dry_run=dry_run, progress=progress)
            except PullPaused as paused:
                totals["paused"] += 1
                line.close()
                self.stdout.write(f"  {paused}")
                continue
            except Exception as exc:  # noqa: BLE001 - one account's failure does not stop the others
                totals["failed"] += 1
                line.close()
                self.stderr.write(f"  failed: {type(exc).__name__}: {exc}")
                continue
            line.close()
            totals["accounts"] += 1
            totals["created"] += summary.result.created
            totals["seen"] += summary.result.seen
            self.stdout.write("  " + summary.line())
        self.stdout.write(
            self.style.SUCCESS(
                f"Pulled {totals['accounts']} account(s): {totals['seen']} order(s) seen, {totals['created']} new"
                f"{', ' + str(totals['paused']) + ' paused' if totals['paused'] else ''}"
                f"{', ' + str(totals['failed']) + ' failed' if totals['failed'] else ''}."
            )
        )
