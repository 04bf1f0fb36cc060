"""Erase buyer and recipient data past PERSONAL_DATA_RETENTION_DAYS (keeps hashes and business facts)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from integration_server.retention import purge_personal_data, retention_cutoff


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be erased; change nothing."
        )
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, dry_run=False, batch=500, **options):
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}personal data of rows shipped before "
            f"{retention_cutoff():%Y-%m-%d} ({days} days)"
        )

        def progress(name, done, total):
            if dry_run:
                self.stdout.write(f"  {name}: {total} would be erased")
            else:
                self.stdout.write(f"  {name}: {done}/{total} erased")

        counts = purge_personal_data(dry_run=dry_run, batch=batch, progress=progress)
        verb = "would be erased" if dry_run else "erased"
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values())} rows {verb}"))
