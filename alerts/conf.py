"""Settings of the alerts app (documented in .env.example): a Django setting of
the same name wins, else the environment variable, else the default here (integration_server.app_settings)."""

from integration_server.app_settings import app_settings

DEFAULTS = {
    # How often the rules are evaluated (minutes).
    "ALERTS_EVALUATE_MINUTES": 5,
    # How often marketplaces that can list their open orders are compared with ours (minutes), and how old such
    # a comparison may be and still count in the missed-orders figure.
    "ALERTS_OPEN_ORDERS_CHECK_MINUTES": 30,
    "ALERTS_OPEN_ORDERS_MAX_AGE_MINUTES": 90,
    # Retries of an alert email / SMS after the first try (30 s doubling, at most 5 min).
    "ALERTS_SEND_MAX_RETRIES": 5,
    # "twilio" (the enabled Twilio account in the admin) or "console" (writes the SMS to the log: development).
    "ALERTS_SMS_BACKEND": "twilio",
    # Sender of alert emails (blank = DEFAULT_FROM_EMAIL).
    "ALERTS_FROM_EMAIL": "",
    # Twilio Messages API pacing per account (calls per minute).
    "ALERTS_TWILIO_PER_MINUTE": 60,
    # Missed orders: an order we pulled only this long ago is not judged yet (its ShipStation create runs first),
    # so a first pull of old orders on a fresh start raises nothing.
    "ALERTS_MISSED_ORDERS_SETTLE_MINUTES": 5,
}
__getattr__ = app_settings(DEFAULTS)
