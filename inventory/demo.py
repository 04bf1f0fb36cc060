"""First-run demo data: the Zoho connection on the local Zoho simulator and a stock ratio for each
demo marketplace account."""

from decimal import Decimal

from inventory.models import AccountStockPolicy, ZohoConnection
from marketplaces.models import MarketplaceAccount

SIMULATOR = "http://127.0.0.1:8103"


def seed() -> list[str]:
    # The simulator's own demo values (inventory/simulators/zoho.py), not real credentials.
    zoho, created = ZohoConnection.objects.get_or_create(
        organization_id="60000000001",
        defaults={
            "accounts_url": SIMULATOR,
            "api_base_url": SIMULATOR + "/inventory/v1",
            "client_id": "1000.SIMCLIENT",
            "client_secret": "sim-client-secret",
            "refresh_token": "1000.sim-refresh-token",
            "webhook_secret": "demo-zoho-webhook-secret",
        },
    )
    lines = [f"{'created' if created else 'kept'} Zoho connection -> {SIMULATOR}"]
    for account in MarketplaceAccount.objects.filter(api_base_url__startswith="http://127.0.0.1"):
        _, created = AccountStockPolicy.objects.get_or_create(
            account=account, defaults={"ratio": Decimal("0.6")}
        )
        if created:
            lines.append(f"created stock ratio 0.6 for {account.name}")
    return lines
