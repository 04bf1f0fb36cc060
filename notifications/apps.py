from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server.retention import register_personal_data_purger
        from notifications.retention import erase_notifications, notifications_past_retention

        register_personal_data_purger("customer emails", notifications_past_retention, erase_notifications)
        from anymail.signals import tracking

        from integration_server.retention import register_personal_data_purger
        from notifications.retention import erase_notifications, notifications_past_retention

        register_personal_data_purger("customer emails", notifications_past_retention, erase_notifications)

        from logistics.tracking import events
        from notifications import checks, conf  # noqa: F401 - checks registers the system checks
        from notifications.services import sending  # noqa: F401 - declares the send job kind
        from notifications.services.delivery_events import on_anymail_tracking
        from notifications.services.records import (
            notify_aftersales_changes,
            notify_orders_shipped,
            notify_status_changes,
        )

        events.ORDERS_SHIPPED.subscribe(notify_orders_shipped)
        events.TRACKING_STATUS_CHANGED.subscribe(notify_status_changes)
        events.AFTERSALES_CHANGED.subscribe(notify_aftersales_changes)
        tracking.connect(on_anymail_tracking, dispatch_uid="notifications.anymail_tracking")
