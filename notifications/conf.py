"""Notification settings from the environment (documented in .env.example)."""

from integration_server.settings import env

# No customer email about a tracking event older than this.
NOTIFICATION_MAX_EVENT_AGE_DAYS = env.int("NOTIFICATION_MAX_EVENT_AGE_DAYS", default=7)
# Retries of one email after its first try: 30, 60, 120, 240, 300 s (SPEC 4 backoff).
NOTIFICATION_SEND_MAX_RETRIES = env.int("NOTIFICATION_SEND_MAX_RETRIES", default=5)
# Brand shown in emails when the shipment has no Shopify shop (e.g. Eccang after-sales orders).
NOTIFICATION_DEFAULT_BRAND = env.str("NOTIFICATION_DEFAULT_BRAND", default="Our shop")
# Review link used by delivery_confirm when the shop has none.
NOTIFICATION_DEFAULT_REVIEW_URL = env.str("NOTIFICATION_DEFAULT_REVIEW_URL", default="")
# A split order's packages are collected this long after the first one ships before the one split email
# goes out, so that it lists every package known by then.
SPLIT_EMAIL_SETTLE_MINUTES = env.int("SPLIT_EMAIL_SETTLE_MINUTES", default=15)


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
