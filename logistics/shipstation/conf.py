"""Settings of the ShipStation integration (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # Polls of /shipments and /fulfillments start this long before the last watermark. ShipStation's timestamps
    # carry no zone; we send Pacific time (what ShipStation reads), and the wide overlap still covers an account
    # set to another zone, the DST change and late records.
    "SHIPSTATION_POLL_OVERLAP_MINUTES": 600,
    # The first poll reaches back this far.
    "SHIPSTATION_FIRST_POLL_DAYS": 2,
}
__getattr__ = app_settings(DEFAULTS)
