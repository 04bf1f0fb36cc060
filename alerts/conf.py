"""Settings of the alerts app, from the environment (documented in .env.example)."""

from integration_server.settings import env

# How often the rules are evaluated (minutes).
ALERTS_EVALUATE_MINUTES = env.int("ALERTS_EVALUATE_MINUTES", default=5)
# How often marketplaces that can list their open orders are compared with ours (minutes), and how old such
# a comparison may be and still count in the missed-orders figure.
ALERTS_OPEN_ORDERS_CHECK_MINUTES = env.int("ALERTS_OPEN_ORDERS_CHECK_MINUTES", default=30)
ALERTS_OPEN_ORDERS_MAX_AGE_MINUTES = env.int("ALERTS_OPEN_ORDERS_MAX_AGE_MINUTES", default=90)
# Retries of an alert email / SMS after the first try (30 s doubling, at most 5 min).
ALERTS_SEND_MAX_RETRIES = env.int("ALERTS_SEND_MAX_RETRIES", default=5)
# "twilio" (the enabled Twilio account in the admin) or "console" (writes the SMS to the log: development).
ALERTS_SMS_BACKEND = env.str("ALERTS_SMS_BACKEND", default="twilio")
# Sender of alert emails (blank = DEFAULT_FROM_EMAIL).
ALERTS_FROM_EMAIL = env.str("ALERTS_FROM_EMAIL", default="")
# Twilio Messages API pacing per account (calls per minute).
ALERTS_TWILIO_PER_MINUTE = env.int("ALERTS_TWILIO_PER_MINUTE", default=60)
# Missed orders: an order we pulled only this long ago is not judged yet (its ShipStation create runs first),
# so a first pull of old orders on a fresh start raises nothing.
ALERTS_MISSED_ORDERS_SETTLE_MINUTES = env.int("ALERTS_MISSED_ORDERS_SETTLE_MINUTES", default=5)
