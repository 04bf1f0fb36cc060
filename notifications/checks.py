"""System checks of the notifications app."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def anymail_webhook_secret(app_configs=None, **kwargs):
    """With a real ESP, its tracking webhook (delivered / bounced) needs ANYMAIL_WEBHOOK_SECRET."""
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if not backend.startswith("anymail.backends.") or backend == "anymail.backends.test.EmailBackend":
        return []
    if (getattr(settings, "ANYMAIL", {}) or {}).get("WEBHOOK_SECRET"):
        return []
    return [
        checks.Warning(
            "ANYMAIL_WEBHOOK_SECRET is not set: the email provider's delivery events cannot reach the "
            "notification records (/webhook/anymail/<esp>/tracking/ refuses them).",
            hint="Set ANYMAIL_WEBHOOK_SECRET=user:password and give the ESP https://user:password@<host>/webhook/anymail/<esp>/tracking/",
            id="notifications.W001",
        )
    ]


@checks.register(checks.Tags.compatibility)
def file_backend_in_production(app_configs=None, **kwargs):
    """Outside DEBUG, customer emails written to files never reach anyone."""
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if settings.DEBUG or backend != "django.core.mail.backends.filebased.EmailBackend":
        return []
    return [
        checks.Warning(
            "EMAIL_BACKEND is the file backend outside DEBUG: customer emails are written to "
            f"{getattr(settings, 'EMAIL_FILE_PATH', 'files')} and never sent.",
            hint="Set EMAIL_URL=smtp+tls://user:password@host:587, or an anymail EMAIL_BACKEND and its key.",
            id="notifications.W002",
        )
    ]
