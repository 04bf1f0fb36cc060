"""Settings of the ShipStation integration, from the environment (documented in .env.example)."""

from integration_server.settings import env

# Polls of /shipments and /fulfillments start this long before the last watermark. ShipStation's timestamps
# carry no zone (they are US Pacific in practice), so the overlap covers the offset plus a margin.
SHIPSTATION_POLL_OVERLAP_MINUTES = env.int("SHIPSTATION_POLL_OVERLAP_MINUTES", default=600)
# The first poll reaches back this far.
SHIPSTATION_FIRST_POLL_DAYS = env.int("SHIPSTATION_FIRST_POLL_DAYS", default=2)
