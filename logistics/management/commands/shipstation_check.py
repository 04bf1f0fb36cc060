"""Connection check of the ShipStation account: credentials, rate-limit headers, stores, carriers, webhooks."""

from django.core.management.base import BaseCommand, CommandError

from logistics.shipstation.accounts import active_account, client_for


class Command(BaseCommand):
    help = (
        "Check the ShipStation account: list stores (ids to map to marketplace accounts), carriers, webhooks."
    )

    def handle(self, *args, **options):
        account = active_account()
        if account is None:
            raise CommandError("No enabled ShipStation account: add one in the admin first.")
        client = client_for(account)
        response = client.request("GET", "/stores")
        self.stdout.write(
            f"Host {account.base_url}: rate limit {response.headers.get('X-Rate-Limit-Limit', '?')}/min"
        )
        for store in response.json():
            self.stdout.write(
                f"  store {store.get('storeId')}: {store.get('storeName')} ({store.get('marketplaceName')})"
            )
        carriers = client.list_carriers()
        self.stdout.write("  carriers: " + ", ".join(str(c.get("code")) for c in carriers))
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {len(response.json())} store(s), {len(carriers)} carrier(s), "
                f"{len(client.list_webhooks())} webhook(s)."
            )
        )
