"""Full resync from Zoho Inventory: every item's stock, shadow stock reset, allocation, push jobs."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from integration_server.progress import ProgressLine
from inventory.models import ZohoConnection
from inventory.services.zoho_sync import sync_items


class Command(BaseCommand):
    help = "Read every Zoho item, reset shadow stock, reallocate and queue the quantities that changed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Read and compute; write nothing.")
        parser.add_argument(
            "--incremental", action="store_true", help="Only items changed since the watermark."
        )

    def handle(self, *args, dry_run, incremental, **options):
        if not ZohoConnection.objects.filter(pk=1).exists():
            raise CommandError("No Zoho connection configured (admin: Inventory > Zoho connection).")
        started = time.monotonic()
        with ProgressLine(self.stdout) as line:  # Zoho gives no total count

            def progress(summary):
                line.update(
                    detail=f"page {line.steps + 1}: {summary.read} items read, {summary.changed} changed, "
                    f"{summary.to_push} quantities to push"
                )

            summary = sync_items(full=not incremental, dry_run=dry_run, progress=progress)
        prefix = "DRY RUN (nothing written): " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{summary.line()} in {time.monotonic() - started:.1f}s"), ending="\n"
        )
        sys.stdout.flush()
