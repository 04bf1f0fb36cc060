"""Settings of the marketplaces app, from the environment (documented in .env.example)."""

from integration_server.settings import env

# A pull starts this long before the last watermark (orders show up late; upserts make repeats harmless).
ORDERS_PULL_OVERLAP_MINUTES = env.int("ORDERS_PULL_OVERLAP_MINUTES", default=10)
# The first pull of a new account reaches back this far.
ORDERS_FIRST_PULL_DAYS = env.int("ORDERS_FIRST_PULL_DAYS", default=3)
# An interrupted pull resumes from its checkpoint (the vendor's next-page token) while the checkpoint is
# younger than this; an older one starts the window again (Amazon's page tokens stay valid 24 h).
ORDERS_RESUME_MAX_AGE_HOURS = env.float("ORDERS_RESUME_MAX_AGE_HOURS", default=23.0)
# A running pull holds its account for this long after its last heartbeat (one every third of it): a killed
# pull's account is free again that soon, and the next schedule tick resumes it from its checkpoint.
ORDERS_PULL_LEASE_SECONDS = env.int("ORDERS_PULL_LEASE_SECONDS", default=30)
# /healthz: an enabled account whose complete pulls are this far behind (or three intervals, if longer) is a
# problem: a stalled pull, or a backlog growing past the vendor's budget.
HEALTH_MAX_PULL_LAG_MINUTES = env.int("HEALTH_MAX_PULL_LAG_MINUTES", default=30)
# Amazon: at most this many SKUs are sent as one patchListingsItem call each; more go as one JSON_LISTINGS_FEED.
AMAZON_PATCH_MAX_SKUS = env.int("AMAZON_PATCH_MAX_SKUS", default=20)
# Amazon: how long update_quantities waits for a feed's processing report before it reports the SKUs as
# pending (accepted for now; inventory's "stock.confirm" job reads the report later). Feeds take minutes, so
# by default it does not wait: a worker blocked on feeds would outlive its task timeout (Q_TIMEOUT).
AMAZON_FEED_WAIT_SECONDS = env.int("AMAZON_FEED_WAIT_SECONDS", default=0)
AMAZON_FEED_POLL_SECONDS = env.float("AMAZON_FEED_POLL_SECONDS", default=10.0)

# --- eBay (issue 13) ---
# GetOrders EntriesPerPage (eBay does not confirm its maximum; 100 is common): the connection check tries it.
EBAY_ORDERS_PAGE_SIZE = env.int("EBAY_ORDERS_PAGE_SIZE", default=100)
# The refresh token lasts about 18 months (a third-party figure, not eBay's): ops are warned this many days
# before the assumed end of its life (admin and /healthz).
EBAY_REFRESH_TOKEN_LIFETIME_DAYS = env.int("EBAY_REFRESH_TOKEN_LIFETIME_DAYS", default=540)
EBAY_REFRESH_TOKEN_WARN_DAYS = env.int("EBAY_REFRESH_TOKEN_WARN_DAYS", default=60)
# eBay quotas are daily and their reset time is not in a Trading answer: an over-quota answer waits this long.
EBAY_QUOTA_WAIT_SECONDS = env.int("EBAY_QUOTA_WAIT_SECONDS", default=900)
# Trading X-EBAY-API-COMPATIBILITY-LEVEL when the account sets none.
EBAY_COMPATIBILITY_LEVEL = env.str("EBAY_COMPATIBILITY_LEVEL", default="1355")
# Rithum: orders per /order/page page (Rithum allows 10-1000).
RITHUM_ORDERS_PER_PAGE = env.int("RITHUM_ORDERS_PER_PAGE", default=1000)
