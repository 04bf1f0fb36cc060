"""Poll 17TRACK (gettrackinfo) for numbers without a recent push, and apply what it says."""

from django.core.management.base import BaseCommand, CommandError

from integration_server.http.errors import ExternalApiError
from logistics.tracking.services import poll_tracking, shipments_due_for_poll


class Command(BaseCommand):
    help = (
        "Poll the tracking provider for shipments with no push for --hours (default: the account's setting)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=None, help="No push for this many hours (0 = all open)."
        )
        parser.add_argument("--number", action="append", dest="numbers", help="Poll these numbers only.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the numbers that would be polled."
        )

    def handle(self, *args, hours, numbers, dry_run, **options):
        if dry_run:
            count = len(numbers) if numbers else shipments_due_for_poll(after_hours=hours).count()
            self.stdout.write(f"{count} number(s) would be polled.")
            return

        def progress(done, total):
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()

        try:
            totals = poll_tracking(after_hours=hours, numbers=numbers, progress=progress)
        except (ExternalApiError, LookupError) as exc:
            raise CommandError(f"polling failed: {exc}") from exc
        if totals["polled"]:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Polled {totals['polled']} number(s): {totals['applied']} update(s) applied, "
                f"{totals['stale']} stale, {totals['unknown_status']} unknown status."
            )
        )
