"""django-q2 entry points of tracking: thin, they call the services."""

from __future__ import annotations

from integration_server.schedules import records_schedule_run
from logistics.tracking import conf
from logistics.tracking.services import poll_tracking, register_pending


@records_schedule_run("track17-poll")
def poll_tracking_task() -> dict:
    """The polling fallback: numbers without a push for the account's ``poll_after_hours``."""
    from logistics.models import TrackingAccount

    if not TrackingAccount.objects.filter(provider="17track", enabled=True).exclude(api_key="").exists():
        return {"skipped": "no enabled 17TRACK account"}
    # numbers whose registration job gave up (or never ran) are registered here, after a grace period
    late = register_pending(older_than_minutes=30, limit=conf.TRACK17_POLL_MAX_PER_RUN)
    totals = poll_tracking(limit=conf.TRACK17_POLL_MAX_PER_RUN)
    if late["registered"] or late["rejected"]:
        totals["late_registrations"] = late
    return totals
