"""Settings of the marketplaces app (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # A pull starts this long before the last watermark (orders show up late; upserts make repeats harmless).
    "ORDERS_PULL_OVERLAP_MINUTES": 10,
    # The first pull of a new account reaches back this far.
    "ORDERS_FIRST_PULL_DAYS": 3,
    # An interrupted pull resumes from its checkpoint (the vendor's next-page token) while the checkpoint is
    # younger than this; an older one starts the window again (Amazon's page tokens stay valid 24 h).
    "ORDERS_RESUME_MAX_AGE_HOURS": 23.0,
    # A running pull holds its account for this long after its last heartbeat (one every third of it): a
    # killed pull's account is free again that soon, and the next schedule tick resumes it from its checkpoint.
    "ORDERS_PULL_LEASE_SECONDS": 30,
    # /healthz: an enabled account whose complete pulls are this far behind (or three intervals, if longer)
    # is a problem: a stalled pull, or a backlog growing past the vendor's budget.
    "HEALTH_MAX_PULL_LAG_MINUTES": 30,
    # Amazon: at most this many SKUs are sent as one patchListingsItem call each; more go as one JSON_LISTINGS_FEED.
    "AMAZON_PATCH_MAX_SKUS": 20,
    # Amazon: how long update_quantities waits for a feed's processing report before it reports the SKUs as
    # pending (accepted for now; inventory's "stock.confirm" job reads the report later). Feeds take minutes, so
    # by default it does not wait: a worker blocked on feeds would outlive its task timeout (Q_TIMEOUT).
    "AMAZON_FEED_WAIT_SECONDS": 0,
    "AMAZON_FEED_POLL_SECONDS": 10.0,
    # --- eBay (issue 13) ---
    # GetOrders EntriesPerPage (eBay does not confirm its maximum; 100 is common): the connection check tries it.
    "EBAY_ORDERS_PAGE_SIZE": 100,
    # The refresh token lasts about 18 months (a third-party figure, not eBay's): ops are warned this many days
    # before the assumed end of its life (admin and /healthz).
    "EBAY_REFRESH_TOKEN_LIFETIME_DAYS": 540,
    "EBAY_REFRESH_TOKEN_WARN_DAYS": 60,
    # eBay quotas are daily and their reset time is not in a Trading answer: an over-quota answer waits this long.
    "EBAY_QUOTA_WAIT_SECONDS": 900,
    # Trading X-EBAY-API-COMPATIBILITY-LEVEL when the account sets none.
    "EBAY_COMPATIBILITY_LEVEL": "1355",
    # Rithum: orders per /order/page page (Rithum allows 10-1000).
    "RITHUM_ORDERS_PER_PAGE": 1000,
    # Mirakl: orders per OR11 page (``max``; 100 is the commonly stated maximum, unconfirmed).
    "MIRAKL_ORDERS_PAGE_SIZE": 100,
}
__getattr__ = app_settings(DEFAULTS)
