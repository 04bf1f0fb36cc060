"""The marketplaces section of /healthz and the admin front page: accounts whose credentials the marketplace
refuses or whose configuration it rejects (problems: 503), refresh tokens near their assumed end (warnings)."""

from __future__ import annotations

from django.db.models import Q

from marketplaces.models import MarketplaceAccount


def account_health(now=None) -> dict:
    from marketplaces.connectors.ebay import refresh_token_age_warning

    details, problems, warnings = {}, [], []
    accounts = MarketplaceAccount.objects.filter(enabled=True).filter(
        ~Q(auth_problem="") | ~Q(config_problem="") | Q(refresh_token_issued_at__isnull=False)
    )
    for account in accounts.only(
        "id", "name", "channel", "auth_problem", "config_problem", "refresh_token_issued_at"
    ):
        entry = {}
        if account.auth_problem:
            entry["auth_problem"] = account.auth_problem[:300]
            problems.append(f"marketplace account {account.name}: {account.auth_problem[:300]}")
        if account.config_problem:
            entry["config_problem"] = account.config_problem[:300]
            problems.append(f"marketplace account {account.name}: {account.config_problem[:300]}")
        age = refresh_token_age_warning(account, now)
        if age:
            entry["refresh_token"] = age
            warnings.append(f"marketplace account {account.name}: {age}")
        if entry:
            details[account.name] = entry
    return {"details": details, "problems": problems, "warnings": warnings}


def pull_health(now=None) -> dict:
    """Per enabled account: last successful pull, last error, consecutive failures (one query). A failing
    pull is a warning here; the "marketplace pull failing" alert rule escalates it."""
    details, warnings = {}, []
    for name, success, failures, since, error in MarketplaceAccount.objects.filter(enabled=True).values_list(
        "name", "last_pull_success_at", "pull_failures", "pull_failing_since", "last_pull_error"
    ):
        details[name] = {
            "last_success_at": success.isoformat() if success else None,
            "consecutive_failures": failures,
            "failing_since": since.isoformat() if since else None,
            "last_error": (error[:300] or None) if failures else None,
        }
        if failures:
            warnings.append(f"order pull of {name}: {failures} consecutive failure(s): {error[:200]}")
    return {"details": details, "warnings": warnings}
