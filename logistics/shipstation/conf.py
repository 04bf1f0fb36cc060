"""Settings of the ShipStation integration, from the environment (documented in .env.example)."""

from integration_server.settings import env

# Polls of /shipments and /fulfillments start this long before the last watermark. ShipStation's timestamps
# carry no zone; we send Pacific time (what ShipStation reads), and the wide overlap still covers an account
# set to another zone, the DST change and late records.
SHIPSTATION_POLL_OVERLAP_MINUTES = env.int("SHIPSTATION_POLL_OVERLAP_MINUTES", default=600)
# The first poll reaches back this far.
SHIPSTATION_FIRST_POLL_DAYS = env.int("SHIPSTATION_FIRST_POLL_DAYS", default=2)
