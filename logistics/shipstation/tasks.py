"""django-q2 entry points of the ShipStation integration: thin, they call services."""

from integration_server.schedules import records_schedule_run
from logistics.shipstation.accounts import active_account
from logistics.shipstation.shipments import poll_shipstation


@records_schedule_run("shipstation-poll")
def poll_shipments() -> dict:
    """Every 15 minutes: the safety net for late or lost SHIP_NOTIFY webhooks."""
    account = active_account()
    if account is None:
        return {"skipped": "no ShipStation account"}
    return poll_shipstation(account)
