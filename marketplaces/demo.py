"""First-run demo data: Amazon, eBay, Rithum and two Mirakl operator accounts on their local simulators
(manage.py seed_demo)."""

from marketplaces.models import MarketplaceAccount

SIMULATOR = "http://127.0.0.1:8102"


def seed() -> list[str]:
    account, created = MarketplaceAccount.objects.get_or_create(
        name="Amazon US (simulator)",
        defaults={
            "channel": "amazon",
            "api_base_url": SIMULATOR,
            "auth_base_url": SIMULATOR,
            # The simulator's own demo values (marketplaces/simulators/amazon.py), not real credentials.
            "credentials": {
                "client_id": "sim-lwa-client",
                "client_secret": "sim-lwa-secret",
                "refresh_token": "Atzr|sim-refresh-token",
            },
            "options": {
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "seller_id": "A1SIMSELLER",
                "product_type": "LUGGAGE",
            },
            "shipstation_store_id": 310001,
        },
    )
    return [
        f"{'created' if created else 'kept'} marketplace account {account.name} -> {SIMULATOR}",
        *seed_ebay(),
        *seed_rithum(),
        *seed_mirakl(),
    ]


EBAY_SIMULATOR = "http://127.0.0.1:8110"


def seed_ebay() -> list[str]:
    from django.utils import timezone

    account, created = MarketplaceAccount.objects.get_or_create(
        name="eBay US (simulator)",
        defaults={
            "channel": "ebay",
            "api_base_url": EBAY_SIMULATOR,
            "auth_base_url": EBAY_SIMULATOR,
            # The simulator's own demo values (marketplaces/simulators/ebay.py), not real credentials.
            "credentials": {
                "client_id": "sim-ebay-client",
                "client_secret": "sim-ebay-secret",
                "ru_name": "sim-ru-name",
                "refresh_token": "v^1.1#sim-ebay-refresh",
            },
            "refresh_token_issued_at": timezone.now(),
            "options": {"listing_model": "inventory_api", "site_id": 0},
            "shipstation_store_id": 310002,
        },
    )
    return [f"{'created' if created else 'kept'} marketplace account {account.name} -> {EBAY_SIMULATOR}"]


RITHUM_SIMULATOR = "http://127.0.0.1:8109"


def seed_rithum() -> list[str]:
    account, created = MarketplaceAccount.objects.get_or_create(
        name="Rithum dropship (simulator)",
        defaults={
            "channel": "rithum",
            "api_base_url": RITHUM_SIMULATOR,
            # The simulator's own demo values (marketplaces/simulators/rithum.py), not real credentials.
            "credentials": {"client_id": "sim-rithum-client", "client_secret": "sim-rithum-secret"},
            "shipstation_store_id": 310004,
        },
    )
    return [f"{'created' if created else 'kept'} marketplace account {account.name} -> {RITHUM_SIMULATOR}"]


MIRAKL_SIMULATOR = "http://127.0.0.1:8111"
# (account name, operator path on the simulator, its demo shop key, ShipStation store, acceptance policy)
MIRAKL_OPERATORS = [
    ("Mirakl operator A (simulator)", "operator-a", "sim-mirakl-key-a", 310003, "accept_known"),
    ("Mirakl operator B (simulator)", "operator-b", "sim-mirakl-key-b", 310005, "leave"),
]


def seed_mirakl() -> list[str]:
    lines = []
    for name, operator, key, store, policy in MIRAKL_OPERATORS:
        account, created = MarketplaceAccount.objects.get_or_create(
            name=name,
            defaults={
                "channel": "mirakl",
                "api_base_url": f"{MIRAKL_SIMULATOR}/{operator}",
                # The simulator's own demo values (marketplaces/simulators/mirakl.py), not real credentials.
                "credentials": {"api_key": key},
                "options": {"acceptance_policy": policy},
                "shipstation_store_id": store,
            },
        )
        lines.append(
            f"{'created' if created else 'kept'} marketplace account {account.name} -> {account.api_base_url}"
        )
    return lines
