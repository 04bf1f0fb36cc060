from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from logistics.eccang.setup import register as register_eccang
        from logistics.shipstation import outbound
        from logistics.shipstation.setup import register as register_shipstation
        from logistics.tracking.setup import register as register_tracking
        from marketplaces.services.order_events import CANCELLED_ORDERS, EDITED_ORDERS, NEW_ORDERS

        register_shipstation()
        register_tracking()
        register_eccang()
        NEW_ORDERS.subscribe(outbound.queue_creates)
        CANCELLED_ORDERS.subscribe(outbound.queue_cancels)
        EDITED_ORDERS.subscribe(outbound.queue_updates)
