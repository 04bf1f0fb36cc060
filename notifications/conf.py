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
