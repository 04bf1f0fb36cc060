from django.db import migrations


class Migration(migrations.Migration):
    """Joins the ShipStation and the Shopify/17TRACK models, developed side by side."""

    dependencies = [
        ("logistics", "0001_initial"),
        ("logistics", "0001_tracking"),
    ]

    operations = []
