"""Tracking settings (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # Which provider implementation tracks parcels (see logistics.tracking.provider).
    "TRACKING_PROVIDER": "17track",
    # Numbers without a push for this many hours are polled (default of the account's own setting).
    "TRACK17_POLL_AFTER_HOURS": 12,
    # How often the polling fallback runs.
    "TRACK17_POLL_INTERVAL_MINUTES": 60,
    # After an API key change, pushes signed with the previous key are accepted this long.
    "TRACK17_KEY_GRACE_MINUTES": 10,
    # 17TRACK: at most 3 requests/s per key (v1 figure, kept for v2.2).
    "TRACK17_REQUESTS_PER_MINUTE": 180,
    # Retries of a registration batch after its first try (backoff of SPEC 4).
    "TRACK17_REGISTER_MAX_RETRIES": 5,
    # At most this many numbers per scheduled poll (40 per call at <= 3 calls/s: 2,000 take ~17 s).
    "TRACK17_POLL_MAX_PER_RUN": 2000,
}
__getattr__ = app_settings(DEFAULTS)
