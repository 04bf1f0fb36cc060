"""django-q2 entry points of the marketplaces app: thin, they call services."""

from __future__ import annotations

import logging

from integration_server.http.errors import RetryableError
from integration_server.schedules import records_schedule_run, retry_run_later
from marketplaces.models import MarketplaceAccount
from marketplaces.services.pull import PullPaused, accounts_due, holding_pull, pull_orders

log = logging.getLogger(__name__)


@records_schedule_run("orders-pull")
def pull_due_accounts() -> dict:
    """Every minute: pull each enabled account whose own interval (default 5 min) has passed."""
    from django_q.tasks import async_task

    due = accounts_due()
    for account in due:
        async_task("marketplaces.tasks.pull_account", account.pk, q_options={"group": "orders-pull"})
    return {"dispatched": len(due)}


PULL_RUN_RETRIES = 3  # 30 s, 60 s, 120 s after a failed page (then the account's next interval)


def pull_account(account_id: int, attempt: int = 0) -> str:
    """Pull one account. A page failing with a 5xx or a timeout is retried within the run (the outbox's
    backoff): the pages read are stored, and the retry continues from the checkpoint."""
    account = MarketplaceAccount.objects.get(pk=account_id)
    if not account.enabled:
        return "disabled"
    with holding_pull(account) as holder:
        if not holder:
            return "a pull of this account is already running"
        try:
            return pull_orders(account).line()
        except PullPaused as paused:  # the budget ran out midway: the next run resumes, not a failure
            return f"{account.name}: {paused}"
        except RetryableError:
            if attempt < PULL_RUN_RETRIES:
                retry_run_later("marketplaces.tasks.pull_account", (account_id, attempt + 1), attempt + 1)
            raise
