"""List our ShipStation webhook subscriptions, or --register SHIP_NOTIFY to this service's public URL."""

from django.core.management.base import BaseCommand, CommandError

from logistics.shipstation.accounts import active_account, client_for
from logistics.shipstation.subscriptions import subscribe_ship_notify, webhook_url


class Command(BaseCommand):
    help = "ShipStation webhooks: list them, or --register SHIP_NOTIFY to PUBLIC_BASE_URL/webhook/shipstation/<secret>."

    def add_arguments(self, parser):
        parser.add_argument("--register", action="store_true", help="Subscribe SHIP_NOTIFY (idempotent).")
        parser.add_argument("--public-url", help="Base URL ShipStation can reach (default: PUBLIC_BASE_URL).")

    def handle(self, *args, register, public_url, **options):
        account = active_account()
        if account is None:
            raise CommandError("No enabled ShipStation account: add one in the admin first.")
        if register:
            hook_id, created = subscribe_ship_notify(account, public_url)
            state = "subscribed" if created else "already subscribed"
            masked = webhook_url(account, public_url).rsplit("/", 1)[0] + "/<secret>"
            self.stdout.write(self.style.SUCCESS(f"SHIP_NOTIFY {state} (webhook id {hook_id}) -> {masked}"))
            return
        hooks = client_for(account).list_webhooks()
        for hook in hooks:
            url = str(hook.get("Url", ""))
            shown = url.rsplit("/", 1)[0] + "/<secret>" if "/webhook/shipstation/" in url else url
            self.stdout.write(
                f"  {hook.get('WebHookID')}  {hook.get('HookType'):<16} store={hook.get('StoreID')}  {shown}"
            )
        self.stdout.write(f"{len(hooks)} webhook subscription(s).")
