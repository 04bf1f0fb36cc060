"""Settings of the inventory app (environment variables, documented in .env.example)."""

from integration_server.settings import env

# Zoho Inventory allows 100 requests per minute per organisation.
ZOHO_REQUESTS_PER_MINUTE = env.int("ZOHO_REQUESTS_PER_MINUTE", default=100)
# Nightly full resync (cron, UTC) and the incremental sync by last-modified time (minutes; 0 = off).
ZOHO_RESYNC_CRON = env.str("ZOHO_RESYNC_CRON", default="30 2 * * *")
ZOHO_INCREMENTAL_SYNC_MINUTES = env.int("ZOHO_INCREMENTAL_SYNC_MINUTES", default=30)
# Scheduled full republish (cron, UTC): every SKU's computed quantity re-sent to every account even when
# unchanged, so hand edits on a marketplace do not last. Blank = off. Default weekly (Sunday 03:45).
STOCK_REPUBLISH_CRON = env.str("STOCK_REPUBLISH_CRON", default="45 3 * * 0")
