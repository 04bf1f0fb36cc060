"""django-q2 entry points of the ShipStation integration: thin, they call services."""

from integration_server.schedules import records_schedule_run, retry_run_later
from logistics.shipstation.accounts import active_account
from logistics.shipstation.shipments import PollInterrupted, poll_shipstation

POLL_RUN_RETRIES = 3  # 30 s, 60 s, 120 s after a failed page, then the next 15-minute tick


@records_schedule_run("shipstation-poll")
def poll_shipments(attempt: int = 0, resume: dict | None = None) -> dict:
    """Every 15 minutes: the safety net for late or lost SHIP_NOTIFY webhooks. A page failing with a 5xx or a
    timeout is retried within the run (the outbox's backoff) from that page; what was read is kept."""
    account = active_account()
    if account is None:
        return {"skipped": "no ShipStation account"}
    try:
        return poll_shipstation(account, resume=resume)
    except PollInterrupted as exc:
        if attempt < POLL_RUN_RETRIES:
            retry_run_later(
                "logistics.shipstation.tasks.poll_shipments", (attempt + 1, exc.resume), attempt + 1
            )
        raise
