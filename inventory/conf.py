"""Settings of the inventory app (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # Zoho Inventory allows 100 requests per minute per organisation.
    "ZOHO_REQUESTS_PER_MINUTE": 100,
    # Nightly full resync (cron, UTC) and the incremental sync by last-modified time (minutes; 0 = off).
    "ZOHO_RESYNC_CRON": "30 2 * * *",
    "ZOHO_INCREMENTAL_SYNC_MINUTES": 30,
    # Scheduled full republish (cron, UTC): every SKU's computed quantity re-sent to every account even
    # when unchanged, so hand edits on a marketplace do not last. Blank = off. Default weekly (Sun 03:45).
    "STOCK_REPUBLISH_CRON": "45 3 * * 0",
}
__getattr__ = app_settings(DEFAULTS)
