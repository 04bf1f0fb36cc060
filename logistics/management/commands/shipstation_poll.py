"""Poll ShipStation /shipments and /fulfillments now (the safety net that also runs every 15 minutes)."""

from django.core.management.base import BaseCommand, CommandError

from logistics.shipstation.accounts import active_account
from logistics.shipstation.shipments import poll_shipstation


class Command(BaseCommand):
    help = "Poll ShipStation shipments and fulfillments since the watermarks; queue tracking pushes."

    def handle(self, *args, **options):
        account = active_account()
        if account is None:
            raise CommandError("No enabled ShipStation account: add one in the admin first.")
        totals = poll_shipstation(account)
        self.stdout.write(
            self.style.SUCCESS(
                f"Polled: {totals['shipments']} shipment(s), {totals['fulfillments']} fulfillment(s) read, "
                f"{totals['new']} new, {totals['pushes']} tracking push(es) queued."
            )
        )
