from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from logistics.eccang.setup import register as register_eccang
        from logistics.shipstation.setup import register as register_shipstation
        from logistics.tracking.setup import register as register_tracking

        register_shipstation()
        register_tracking()
        register_eccang()
