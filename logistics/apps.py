from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server.retention import register_personal_data_purger
        from logistics import retention

        register_personal_data_purger(
            "tracked shipments", retention.shipments_past_retention, retention.erase_shipments
        )
        register_personal_data_purger(
            "shopify orders", retention.shopify_orders_past_retention, retention.erase_shopify_orders
        )
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
