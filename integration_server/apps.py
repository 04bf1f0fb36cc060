from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KernelConfig(AppConfig):
    name = "integration_server"
    verbose_name = "Service kernel (jobs, payloads, health)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server import (
            checks,  # noqa: F401 - registers the system checks
            signals,
        )
        from integration_server.schedules import register_schedule

        register_schedule("outbox-sweep", "integration_server.outbox.tasks.sweep", minutes=1)
        register_schedule(
            "purge-raw-payloads", "integration_server.tasks.purge_raw_payloads_task", cron="17 3 * * *"
        )
        register_schedule(
            "purge-personal-data", "integration_server.tasks.purge_personal_data_task", cron="37 3 * * *"
        )
        register_schedule(
            "purge-import-files", "integration_server.tasks.purge_import_files_task", cron="47 3 * * *"
        )
        signals.connect()
        from integration_server.health import register_health_check
        from integration_server.key_check import health_section

        register_health_check("encryption", health_section)
        post_migrate.connect(_ensure_schedules_after_migrate, sender=self)
        post_migrate.connect(_sync_roles_after_migrate)


def _sync_roles_after_migrate(sender, **kwargs):
    """Once per migrate, after the last app's permissions exist (auth creates them app by app)."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        from integration_server.roles import sync_roles

        sync_roles()


def _ensure_schedules_after_migrate(sender, **kwargs):
    from integration_server.schedules import ensure_schedules

    ensure_schedules()
