"""First-run demo data: ShipStation, Shopify and 17TRACK accounts on the local simulators."""

from logistics.models import (
    EccangAccount,
    EccangAfterSalesRule,
    ShipStationAccount,
    ShopifyShop,
    TrackingAccount,
)


def seed() -> list[str]:
    lines = []
    # The simulators' own demo values (the simulator.py of each vendor package), not real credentials.
    ss, created = ShipStationAccount.objects.get_or_create(
        name="ShipStation (simulator)",
        defaults={
            "api_base_url": "http://127.0.0.1:8101",
            "api_key": "sim-ss-key",
            "api_secret": "sim-ss-secret",
            "webhook_secret": "demo-shipstation-webhook-secret",
        },
    )
    lines.append(f"{'created' if created else 'kept'} {ss.name} -> {ss.api_base_url}")
    shop, created = ShopifyShop.objects.get_or_create(
        name="Demo shop (simulator)",
        defaults={
            "shop_domain": "demo-shop.myshopify.com",
            "api_base_url": "http://127.0.0.1:8104",
            "admin_api_token": "shpat_sim_token",
            "webhook_secret": "demo-shopify-webhook-secret",
            "review_url": "https://example.com/review",
        },
    )
    lines.append(f"{'created' if created else 'kept'} Shopify shop {shop.name} -> {shop.api_base_url}")
    tracking, created = TrackingAccount.objects.get_or_create(
        provider="17track",
        defaults={"api_base_url": "http://127.0.0.1:8105", "api_key": "sim-17track-key"},
    )
    lines.append(f"{'created' if created else 'kept'} 17TRACK account -> {tracking.api_base_url}")
    eccang, created = EccangAccount.objects.get_or_create(
        name="Eccang (simulator)",
        defaults={
            "api_base_url": "http://127.0.0.1:8106/openApi/api/unity",
            "app_key": "sim-eccang-key",
            "service_id": "sim-service",
            "app_secret": "sim-eccang-secret",
        },
    )
    # The simulator's after-sales orders ship with method AS-PARTS (logistics/eccang/simulator.py).
    rule, made = EccangAfterSalesRule.objects.get_or_create(
        account=eccang,
        kind=EccangAfterSalesRule.Kind.SHIPPING_METHOD,
        defaults={"values": "AS-PARTS", "note": "demo: after-sales parts shipments"},
    )
    lines.append(
        f"{'created' if created else 'kept'} Eccang account -> {eccang.api_base_url}"
        f" ({'with' if made else 'kept'} after-sales rule: {rule})"
    )
    return lines
