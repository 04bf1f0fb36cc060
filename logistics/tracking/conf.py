"""Tracking settings from the environment (documented in .env.example)."""

from integration_server.settings import env

# Which provider implementation tracks parcels (see logistics.tracking.provider).
TRACKING_PROVIDER = env.str("TRACKING_PROVIDER", default="17track")
# Numbers without a push for this many hours are polled (default of the account's own setting).
TRACK17_POLL_AFTER_HOURS = env.int("TRACK17_POLL_AFTER_HOURS", default=12)
# How often the polling fallback runs.
TRACK17_POLL_INTERVAL_MINUTES = env.int("TRACK17_POLL_INTERVAL_MINUTES", default=60)
# After an API key change, pushes signed with the previous key are accepted this long.
TRACK17_KEY_GRACE_MINUTES = env.int("TRACK17_KEY_GRACE_MINUTES", default=10)
# 17TRACK: at most 3 requests/s per key (v1 figure, kept for v2.2).
TRACK17_REQUESTS_PER_MINUTE = env.int("TRACK17_REQUESTS_PER_MINUTE", default=180)
# Retries of a registration batch after its first try (backoff of SPEC 4).
TRACK17_REGISTER_MAX_RETRIES = env.int("TRACK17_REGISTER_MAX_RETRIES", default=5)
# At most this many numbers per scheduled poll (40 per call at <= 3 calls/s: 2,000 take ~17 s).
TRACK17_POLL_MAX_PER_RUN = env.int("TRACK17_POLL_MAX_PER_RUN", default=2000)
