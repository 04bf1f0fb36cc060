"""Eccang settings (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # Pace of Eccang calls across processes: its error message says at most 10 requests/s per customer.
    "ECCANG_REQUESTS_PER_MINUTE": 300,
    # How long to wait after a throttled answer (Eccang gives no Retry-After).
    "ECCANG_THROTTLE_WAIT_SECONDS": 5.0,
    # First poll of an account with no watermark reaches back this far.
    "ECCANG_INITIAL_LOOKBACK_HOURS": 24,
    # Pushes on /webhook/yicang: timestamp must be within this many seconds (Eccang's own signature validity).
    "ECCANG_WEBHOOK_MAX_SKEW_SECONDS": 60,
    # At most this many pages per poll run (the next run carries on from the watermark it could not advance).
    "ECCANG_MAX_PAGES_PER_RUN": 200,
}
__getattr__ = app_settings(DEFAULTS)
