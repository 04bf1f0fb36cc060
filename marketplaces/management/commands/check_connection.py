"""Check marketplace accounts' connections: harmless reads that show what the live API accepts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from marketplaces.models import MarketplaceAccount
from marketplaces.services.connection import check_account_connection


class Command(BaseCommand):
    help = (
        "Check the connection of marketplace accounts (by name or id, or --all): token, a harmless read, "
        "the quota; what the live API accepts. Exits non-zero when a check fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("accounts", nargs="*", help="Account names or ids.")
        parser.add_argument("--all", action="store_true", help="Every enabled account.")

    def handle(self, *args, accounts, all, **options):  # noqa: A002 - the option's name
        if not accounts and not all:
            raise CommandError("name one or more accounts (name or id), or give --all")
        if all:
            found = list(MarketplaceAccount.objects.filter(enabled=True))
        else:
            ids = [a for a in accounts if a.isdigit()]
            found = list(MarketplaceAccount.objects.filter(Q(name__in=accounts) | Q(pk__in=ids)))
            missing = set(accounts) - {a.name for a in found} - {str(a.pk) for a in found}
            if missing:
                raise CommandError(f"unknown account(s): {', '.join(sorted(missing))}")
        failed = 0
        for account in found:
            self.stdout.write(f"{account}:")
            for check in check_account_connection(account):
                mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
                self.stdout.write(f"  {mark} {check.name}: {check.detail}")
                failed += not check.ok
        summary = f"{len(found)} account(s) checked, {failed} check(s) failed."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
