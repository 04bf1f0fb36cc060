"""Register pending numbers with 17TRACK, then poll (gettrackinfo) those without a recent push."""

from django.core.management.base import BaseCommand, CommandError

from integration_server.http.errors import ExternalApiError
from integration_server.progress import ProgressLine
from logistics.tracking.services import (
    poll_tracking,
    register_pending,
    shipments_due_for_poll,
    shipments_pending_registration,
)


class Command(BaseCommand):
    help = (
        "Register pending numbers with the tracking provider, then poll shipments with no push for --hours "
        "(default: the account's setting)."
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
            if not numbers:
                pending = shipments_pending_registration().count()
                self.stdout.write(f"{pending} pending number(s) would be registered.")
            count = len(numbers) if numbers else shipments_due_for_poll(after_hours=hours).count()
            self.stdout.write(f"{count} number(s) would be polled.")
            return

        line = ProgressLine(self.stdout)
        try:
            if not numbers:
                registered = register_pending(progress=line.update)
                line.close()
                self.stdout.write(
                    f"Registered {registered['registered']} pending number(s), "
                    f"{registered['rejected']} rejected."
                )
            totals = poll_tracking(after_hours=hours, numbers=numbers, progress=line.update)
        except (ExternalApiError, LookupError) as exc:
            raise CommandError(f"polling failed: {exc}") from exc
        finally:
            line.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Polled {totals['polled']} number(s): {totals['applied']} update(s) applied, "
                f"{totals['stale']} stale, {totals['unknown_status']} unknown status."
            )
        )
