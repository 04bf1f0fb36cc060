"""List each shop's fulfillment webhook subscriptions, or --register them to this service's public URL."""

from django.core.management.base import BaseCommand, CommandError

from integration_server.http.errors import ExternalApiError
from logistics.models import ShopifyShop
from logistics.shopify.client import ShopifyClient
from logistics.shopify.subscriptions import subscribe_fulfillment_topics, webhook_url


class Command(BaseCommand):
    help = "Shopify webhooks: list them per shop, or --register fulfillments/create|update to PUBLIC_BASE_URL/webhook/shopify."

    def add_arguments(self, parser):
        parser.add_argument("--register", action="store_true", help="Subscribe the topics (idempotent).")
        parser.add_argument("--public-url", help="Base URL Shopify can reach (default: PUBLIC_BASE_URL).")
        parser.add_argument("--shop", help="Only this shop (name or domain).")

    def handle(self, *args, register, public_url, shop, **options):
        shops = ShopifyShop.objects.filter(enabled=True).exclude(admin_api_token="")
        if shop:
            shops = shops.filter(name=shop) | shops.filter(shop_domain=shop.lower())
        shops = list(shops)
        if not shops:
            raise CommandError("No enabled Shopify shop with an Admin API token: add one in the admin first.")
        failed = 0
        for item in shops:
            try:
                if register:
                    for topic, state in subscribe_fulfillment_topics(item, public_url).items():
                        self.stdout.write(f"  {item.name}: {topic} {state} -> {webhook_url(public_url)}")
                else:
                    hooks = ShopifyClient(item).webhook_subscriptions()
                    for hook in hooks:
                        self.stdout.write(f"  {item.name}: {hook.get('topic'):<22} {hook.get('uri')}")
                    self.stdout.write(f"  {item.name}: {len(hooks)} fulfillment webhook subscription(s).")
            except ExternalApiError as exc:
                failed += 1
                self.stderr.write(f"  {item.name}: failed: {exc}")
        summary = f"{len(shops) - failed} shop(s) done, {failed} failed."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
