"""Shopify settings (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # The Admin API version used when a shop leaves its own blank.
    "SHOPIFY_DEFAULT_API_VERSION": "2026-07",
    # After a webhook secret is replaced, deliveries signed with the previous one are accepted this long.
    "SHOPIFY_SECRET_GRACE_MINUTES": 60,
    # Shopify's GraphQL Admin API budget per shop, paced across worker processes.
    "SHOPIFY_REQUESTS_PER_MINUTE": 120,
    # Reconciliation of missed fulfillment webhooks: every this many minutes, orders fulfilled since the last
    # run (minus the overlap) are read and any fulfillment not yet seen is processed.
    "SHOPIFY_RECONCILE_INTERVAL_MINUTES": 30,
    "SHOPIFY_RECONCILE_OVERLAP_MINUTES": 60,
    # A shop never reconciled looks back this far.
    "SHOPIFY_RECONCILE_LOOKBACK_HOURS": 24,
    # Deliveries whose X-Shopify-Triggered-At is older than this are refused (replays); Shopify retries for 4 h.
    "SHOPIFY_WEBHOOK_MAX_AGE_MINUTES": 360,
}
__getattr__ = app_settings(DEFAULTS)
