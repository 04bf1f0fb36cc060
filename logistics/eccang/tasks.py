"""django-q2 entry point of Eccang polling: thin, it calls the services."""

from __future__ import annotations

import logging

from integration_server.schedules import records_schedule_run
from logistics.eccang.services import due_accounts, poll_account

log = logging.getLogger(__name__)


@records_schedule_run("eccang-poll")
def poll_eccang_task() -> dict:
    """Runs every minute; polls each enabled account whose own interval (5-10 min) has passed."""
    results = {}
    for account in due_accounts():
        results[account.name] = poll_account(account)
    return results or {"skipped": "no account due"}
