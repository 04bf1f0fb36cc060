from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # the modules that declare job kinds next to their handlers
        from logistics.eccang import services as eccang_services  # noqa: F401
        from logistics.eccang.registrations import register_schedules_and_simulators as eccang
        from logistics.shipstation import outbound, shipments, tracking  # noqa: F401
        from logistics.shipstation.registrations import register_schedules_and_simulators as shipstation
        from logistics.shopify import services as shopify_services  # noqa: F401
        from logistics.tracking import services as tracking_services  # noqa: F401
        from logistics.tracking.registrations import register_schedules_and_simulators as tracking_and_shopify
        from marketplaces.services.order_events import CANCELLED_ORDERS, EDITED_ORDERS, NEW_ORDERS

        shipstation()
        tracking_and_shopify()
        eccang()
        NEW_ORDERS.subscribe(outbound.queue_creates)
        CANCELLED_ORDERS.subscribe(outbound.queue_cancels)
        EDITED_ORDERS.subscribe(outbound.queue_updates)
