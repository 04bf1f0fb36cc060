"""Shopify settings from the environment (documented in .env.example)."""

from integration_server.settings import env

# The Admin API version used when a shop leaves its own blank.
SHOPIFY_DEFAULT_API_VERSION = env.str("SHOPIFY_DEFAULT_API_VERSION", default="2026-07")
# After a webhook secret is replaced, deliveries signed with the previous one are accepted this long.
SHOPIFY_SECRET_GRACE_MINUTES = env.int("SHOPIFY_SECRET_GRACE_MINUTES", default=60)
# Shopify's GraphQL Admin API budget per shop, paced across worker processes.
SHOPIFY_REQUESTS_PER_MINUTE = env.int("SHOPIFY_REQUESTS_PER_MINUTE", default=120)
# Reconciliation of missed fulfillment webhooks: every this many minutes, orders fulfilled since the last
# run (minus the overlap) are read and any fulfillment not yet seen is processed.
SHOPIFY_RECONCILE_INTERVAL_MINUTES = env.int("SHOPIFY_RECONCILE_INTERVAL_MINUTES", default=30)
SHOPIFY_RECONCILE_OVERLAP_MINUTES = env.int("SHOPIFY_RECONCILE_OVERLAP_MINUTES", default=60)
# A shop never reconciled looks back this far.
SHOPIFY_RECONCILE_LOOKBACK_HOURS = env.int("SHOPIFY_RECONCILE_LOOKBACK_HOURS", default=24)
# Deliveries whose X-Shopify-Triggered-At is older than this are refused (replays); Shopify retries for 4 h.
SHOPIFY_WEBHOOK_MAX_AGE_MINUTES = env.int("SHOPIFY_WEBHOOK_MAX_AGE_MINUTES", default=360)
