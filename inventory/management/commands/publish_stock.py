"""Publish stock now: reallocate SKUs on their shadow stock and queue the pushes; ``--force`` re-sends the
computed quantities even when unchanged (corrects a quantity changed by hand on a marketplace)."""

from django.core.management.base import BaseCommand, CommandError

from inventory.services.republish import publish_stock
from marketplaces.models import MarketplaceAccount


class Command(BaseCommand):
    help = "Reallocate and queue stock pushes; --force re-sends unchanged quantities too."

    def add_arguments(self, parser):
        parser.add_argument(
            "--account", action="append", default=[], help="Account name or id (repeatable); default: all."
        )
        parser.add_argument("--sku", nargs="+", default=None, help="Only these SKUs; default: all.")
        parser.add_argument("--force", action="store_true", help="Re-send quantities even when unchanged.")
        parser.add_argument("--dry-run", action="store_true", help="Compute and count; write nothing.")

    def handle(self, *args, account, sku, force, dry_run, **options):
        account_ids = None
        if account:
            account_ids = []
            for ref in account:
                found = MarketplaceAccount.objects.filter(name=ref).first()
                if found is None and ref.isdigit():
                    found = MarketplaceAccount.objects.filter(pk=int(ref)).first()
                if found is None:
                    raise CommandError(f"No marketplace account named {ref!r}.")
                account_ids.append(found.pk)
        out = self.stdout

        def progress(summary, total):
            filled = int(20 * summary.skus / total) if total else 20
            out.write(
                f"\r[{'#' * filled:<20}] {summary.skus}/{total} SKUs, {summary.changed} changed, "
                f"{summary.forced} re-sent",
                ending="",
            )
            out.flush()

        summary = publish_stock(
            account_ids=account_ids, skus=sku, force=force, dry_run=dry_run, progress=progress
        )
        out.write("")
        self.stdout.write(self.style.SUCCESS(summary.line()))
