"""Eccang settings from the environment (documented in .env.example)."""

from integration_server.settings import env

# Pace of Eccang calls across processes: its error message says at most 10 requests/s per customer.
ECCANG_REQUESTS_PER_MINUTE = env.int("ECCANG_REQUESTS_PER_MINUTE", default=300)
# How long to wait after a throttled answer (Eccang gives no Retry-After).
ECCANG_THROTTLE_WAIT_SECONDS = env.float("ECCANG_THROTTLE_WAIT_SECONDS", default=5.0)
# First poll of an account with no watermark reaches back this far.
ECCANG_INITIAL_LOOKBACK_HOURS = env.int("ECCANG_INITIAL_LOOKBACK_HOURS", default=24)
# Pushes on /webhook/yicang: timestamp must be within this many seconds (Eccang's own signature validity).
ECCANG_WEBHOOK_MAX_SKEW_SECONDS = env.int("ECCANG_WEBHOOK_MAX_SKEW_SECONDS", default=60)
# At most this many pages per poll run (the next run carries on from the watermark it could not advance).
ECCANG_MAX_PAGES_PER_RUN = env.int("ECCANG_MAX_PAGES_PER_RUN", default=200)
