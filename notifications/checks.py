"""System checks of the notifications app."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def anymail_webhook_secret(app_configs=None, **kwargs):
    """The configured ESP's tracking webhook (delivered / bounced) is mounted only with ANYMAIL_WEBHOOK_SECRET:
    outside DEBUG its absence is an error (the service would not learn of bounces), in DEBUG a warning."""
    from notifications.conf import tracking_esp, webhook_secret

    esp = tracking_esp()
    if not esp or webhook_secret():
        return []
    level, check_id = (
        (checks.Warning, "notifications.W001") if settings.DEBUG else (checks.Error, "notifications.E001")
    )
    return [
        level(
            f"ANYMAIL_WEBHOOK_SECRET is not set: the {esp} tracking webhook is not mounted, so delivery and "
            "bounce events cannot reach the notification records.",
            hint="Set ANYMAIL_WEBHOOK_SECRET=user:password (bin/serve writes one) and give the ESP "
            f"https://user:password@<host>/webhook/anymail/{esp}/tracking/",
            id=check_id,
        )
    ]


FILE_BACKENDS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "integration_server.private_file_email.PrivateFileEmailBackend",
}


@checks.register(checks.Tags.compatibility)
def file_backend_in_production(app_configs=None, **kwargs):
    """Outside DEBUG, customer emails written to files never reach anyone."""
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if settings.DEBUG or backend not in FILE_BACKENDS:
        return []
    return [
        checks.Warning(
            "EMAIL_BACKEND is the file backend outside DEBUG: customer emails are written to "
            f"{getattr(settings, 'EMAIL_FILE_PATH', 'files')} and never sent.",
            hint="Set EMAIL_URL=smtp+tls://user:password@host:587, or an anymail EMAIL_BACKEND and its key.",
            id="notifications.W002",
        )
    ]
