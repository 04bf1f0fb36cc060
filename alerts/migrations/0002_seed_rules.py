"""The SPEC 5 rules with their default thresholds (editable in the admin afterwards)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    {
        "kind": "missed_orders",
        "name": "Missed orders (on the marketplace, not in ShipStation after 30 min)",
        "warning_count": 10,
        "warning_percent": Decimal("3"),
        "critical_count": 50,
        "critical_percent": Decimal("10"),
        "window_minutes": 24 * 60,
        "grace_minutes": 30,
    },
    {
        "kind": "shipstation_create_failures",
        "name": "ShipStation order creation failures",
        "warning_count": 10,
        "critical_count": 50,
        "window_minutes": 60,
    },
    {
        "kind": "tracking_push_failures",
        "name": "Tracking push failures",
        "warning_count": 20,
        "critical_count": 100,
        "window_minutes": 60,
    },
    {
        "kind": "stock_depleted",
        "name": "Shadow stock reached 0 (per SKU)",
        "warning_count": 0,
        "window_minutes": 60,
    },
]


def seed(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in DEFAULT_RULES:
        AlertRule.objects.get_or_create(kind=rule["kind"], defaults=rule)


def unseed(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    AlertRule.objects.filter(kind__in=[r["kind"] for r in DEFAULT_RULES], alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
