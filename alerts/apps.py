"""Ops alerts: rules evaluated on a schedule, alerts sent by email and SMS through outbox jobs."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from alerts import checks, conf  # noqa: F401 - checks registers the system checks
        from alerts.health import open_alerts_health
        from alerts.services import sending  # noqa: F401 - declares the send job kinds
        from integration_server.health import register_health_check
        from integration_server.schedules import register_schedule

        register_health_check("open_alerts", open_alerts_health)
        register_schedule(
            "alerts-evaluate", "alerts.tasks.evaluate_alerts_task", minutes=conf.ALERTS_EVALUATE_MINUTES
        )
        register_schedule(
            "alerts-open-orders",
            "alerts.tasks.check_open_orders_task",
            minutes=conf.ALERTS_OPEN_ORDERS_CHECK_MINUTES,
        )
