from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # --- ShipStation orders flow (orders engineer) -------------------------------------------------
        from logistics.shipstation.setup import register as register_shipstation

        register_shipstation()
        # --- end ShipStation orders flow -------------------------------------------------------------------
