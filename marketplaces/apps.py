from django.apps import AppConfig


class MarketplacesConfig(AppConfig):
    name = "marketplaces"
    default_auto_field = "django.db.models.BigAutoField"
