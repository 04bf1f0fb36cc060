"""Notification settings (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # No customer email about a tracking event older than this.
    "NOTIFICATION_MAX_EVENT_AGE_DAYS": 7,
    # Retries of one email after its first try: 30, 60, 120, 240, 300 s (SPEC 4 backoff).
    "NOTIFICATION_SEND_MAX_RETRIES": 5,
    # Brand shown in emails when the shipment has no Shopify shop (e.g. Eccang after-sales orders).
    "NOTIFICATION_DEFAULT_BRAND": "Our shop",
    # Review link used by delivery_confirm when the shop has none.
    "NOTIFICATION_DEFAULT_REVIEW_URL": "",
    # A split order's packages are collected this long after the first one ships before the one split email
    # goes out, so that it lists every package known by then.
    "SPLIT_EMAIL_SETTLE_MINUTES": 15,
}
__getattr__ = app_settings(DEFAULTS)


def tracking_esp_from_backend(backend: str) -> str:
    """The anymail ESP of an EMAIL_BACKEND path ("anymail.backends.postmark.EmailBackend" -> "postmark");
    "" for anymail's test backend and for non-anymail backends."""
    parts = (backend or "").split(".")
    if len(parts) == 4 and parts[:2] == ["anymail", "backends"] and parts[2] not in ("test", "console"):
        return parts[2]
    return ""


def tracking_esp() -> str:
    """The one ESP whose tracking webhook is mounted: ANYMAIL_TRACKING_ESP, else the one EMAIL_BACKEND uses."""
    from django.conf import settings

    return getattr(settings, "ANYMAIL_TRACKING_ESP", "") or tracking_esp_from_backend(settings.EMAIL_BACKEND)


def webhook_secret() -> str:
    from django.conf import settings

    return (getattr(settings, "ANYMAIL", {}) or {}).get("WEBHOOK_SECRET", "")
