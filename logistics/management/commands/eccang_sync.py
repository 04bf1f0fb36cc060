"""Poll Eccang's getOrderList now: ``manage.py eccang_sync [--since ISO] [--dry-run] [--account NAME]``."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from integration_server.progress import ProgressLine
from logistics.models import EccangAccount


class Command(BaseCommand):
    help = (
        "Poll Eccang getOrderList (incremental from the watermark, or from --since) and process the orders."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", help="Window start, ISO date/time (UTC if no offset); the watermark stays."
        )
        parser.add_argument("--dry-run", action="store_true", help="Fetch and count only; write nothing.")
        parser.add_argument("--account", help="Account name (default: every enabled account).")

    def handle(self, *args, **options):
        from logistics.eccang.orders import NO_RULES
        from logistics.eccang.services import poll_account

        since = None
        if options["since"]:
            try:
                since = datetime.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"--since: {exc}") from exc
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
        accounts = EccangAccount.objects.filter(enabled=True)
        if options["account"]:
            accounts = accounts.filter(name=options["account"])
        accounts = list(accounts)
        if not accounts:
            raise CommandError("no enabled Eccang account")

        line = ProgressLine(self.stdout)

        def progress(page, total, counts):
            of = f" of {total} orders" if total is not None else ""
            line.update(
                detail=f"page {page}{of}: {counts.received} received, {counts.new} new, "
                f"{counts.after_sales} after-sales, {counts.tracked} tracked"
            )

        grand = {"pages": 0, "received": 0, "new": 0, "after_sales": 0, "tracked": 0}
        for account in accounts:
            self.stdout.write(f"{account.name}:")
            if not account.rules.filter(enabled=True).exists():
                self.stdout.write(self.style.WARNING(f"  {NO_RULES}"))
            try:
                result = poll_account(account, since=since, dry_run=options["dry_run"], progress=progress)
            finally:
                line.close()
            for key in grand:
                grand[key] += result[key]
        mode = " (dry run: nothing written)" if options["dry_run"] else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Eccang sync{mode}: {len(accounts)} account(s), {grand['pages']} page(s), "
                f"{grand['received']} orders, {grand['new']} new statuses, "
                f"{grand['after_sales']} after-sales, {grand['tracked']} tracked."
            )
        )
