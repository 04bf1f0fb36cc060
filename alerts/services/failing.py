"""The "failing" rules (issue 16): per marketplace account, its order pull and its open-orders check; the Zoho
sync. Each reads the consecutive failures and since when, recorded where the work runs (one query per rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.models import OpenOrdersCheck, RuleKind
from inventory.models import ZohoConnection
from marketplaces.models import MarketplaceAccount


@dataclass(frozen=True)
class FailingState:
    failures: int
    failing_since: datetime | None
    last_success_at: datetime | None
    last_error: str

    def minutes(self, now: datetime) -> float:
        if not self.failures or self.failing_since is None:
            return 0.0
        return max((now - self.failing_since).total_seconds() / 60, 0.0)


def failing_states(kind: str) -> dict[str, FailingState]:
    """Per subject ('' for the Zoho sync, else the account's name): the state of what the rule watches.
    Subjects with no failure are included too (so an open alert of theirs clears)."""
    if kind == RuleKind.MARKETPLACE_PULL_FAILING:
        rows = MarketplaceAccount.objects.filter(enabled=True).values_list(
            "name", "pull_failures", "pull_failing_since", "last_pull_success_at", "last_pull_error"
        )
    elif kind == RuleKind.OPEN_ORDERS_CHECK_FAILING:
        rows = OpenOrdersCheck.objects.filter(account__enabled=True).values_list(
            "account__name", "failures", "failing_since", "last_success_at", "error"
        )
    elif kind == RuleKind.ZOHO_SYNC_FAILING:
        rows = [
            ("", *row)
            for row in ZohoConnection.objects.values_list(
                "sync_failures", "sync_failing_since", "last_sync_success_at", "last_sync_error"
            )
        ]
    else:
        raise ValueError(kind)
    return {name: FailingState(n, since, success, error or "") for name, n, since, success, error in rows}


FAILING_KINDS = (
    RuleKind.MARKETPLACE_PULL_FAILING,
    RuleKind.OPEN_ORDERS_CHECK_FAILING,
    RuleKind.ZOHO_SYNC_FAILING,
)
