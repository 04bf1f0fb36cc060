"""/healthz section: how far behind each enabled account's order pulls are. A pull that stalls (a lease never
released, a vendor failing, a budget too small for the backlog) shows as a growing lag."""

from __future__ import annotations

from django.utils import timezone

from marketplaces import conf
from marketplaces.models import MarketplaceAccount


def pull_lag(now=None) -> dict:
    now = now or timezone.now()
    details, problems = {}, []
    accounts = MarketplaceAccount.objects.filter(enabled=True).only(
        "id", "name", "orders_watermark", "created_at", "pull_interval_minutes", "pull_checkpoint_token"
    )
    for account in accounts:
        since = account.orders_watermark or account.created_at
        behind = (now - since).total_seconds() / 60
        limit = max(conf.HEALTH_MAX_PULL_LAG_MINUTES, 3 * (account.pull_interval_minutes or 5))
        details[account.name] = {
            "behind_min": round(behind, 1),
            "resuming": bool(account.pull_checkpoint_token),
        }
        if behind > limit:
            what = "a backlog is being read" if account.pull_checkpoint_token else "no complete pull"
            problems.append(f"order pull of {account.name} is {behind:.0f} min behind ({what})")
    return {"details": details, "problems": problems}
