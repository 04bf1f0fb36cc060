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
        # the modules that declare job kinds next to their handlers
        from logistics.eccang import services as eccang_services  # noqa: F401
        from logistics.eccang.registrations import register_schedules_and_simulators as eccang
        from logistics.shipstation import marketplace_tracking, outbound, shipments  # noqa: F401
        from logistics.shipstation.accounts import shipstation_stores
        from logistics.shipstation.registrations import register_schedules_and_simulators as shipstation
        from logistics.shopify import services as shopify_services  # noqa: F401
        from logistics.shopify.registrations import register_schedules_and_simulators as shopify
        from logistics.tracking import services as tracking_services  # noqa: F401
        from logistics.tracking.registrations import register_schedules_and_simulators as tracking
        from marketplaces.admin import SHIPSTATION_STORES
        from marketplaces.services.order_events import CANCELLED_ORDERS, EDITED_ORDERS, NEW_ORDERS

        shipstation()
        shopify()
        tracking()
        eccang()
        NEW_ORDERS.subscribe(outbound.queue_creates)
        CANCELLED_ORDERS.subscribe(outbound.queue_cancels)
        EDITED_ORDERS.subscribe(outbound.queue_updates)
        SHIPSTATION_STORES.answer_with(shipstation_stores)
