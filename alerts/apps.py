"""Ops alerts: rules evaluated on a schedule, alerts sent by email and SMS through outbox jobs."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from alerts import checks, conf  # noqa: F401 - checks registers the system checks
        from alerts.health import open_alerts_health
        from alerts.services.evaluate import SEND_EMAIL_KIND, SEND_SMS_KIND
        from alerts.services.sending import send_email_job, send_sms_job
        from integration_server.health import register_health_check
        from integration_server.outbox import register_job_kind
        from integration_server.outbox.registry import single
        from integration_server.schedules import register_schedule

        register_health_check("open_alerts", open_alerts_health)

        register_job_kind(
            SEND_EMAIL_KIND,
            single(send_email_job),
            max_retries=conf.ALERTS_SEND_MAX_RETRIES,
            description="Send one ops alert email and record the outcome.",
        )
        register_job_kind(
            SEND_SMS_KIND,
            single(send_sms_job),
            max_retries=conf.ALERTS_SEND_MAX_RETRIES,
            description="Send one ops alert SMS (Twilio) and record the outcome.",
        )
        register_schedule(
            "alerts-evaluate", "alerts.tasks.evaluate_alerts_task", minutes=conf.ALERTS_EVALUATE_MINUTES
        )
        register_schedule(
            "alerts-open-orders",
            "alerts.tasks.check_open_orders_task",
            minutes=conf.ALERTS_OPEN_ORDERS_CHECK_MINUTES,
        )
