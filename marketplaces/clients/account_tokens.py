"""State an OAuth marketplace client keeps on its account row, shared by every process (web, workers):

- the current access token (``access_token_cache``, encrypted): ``{"token", "expires_at", "key"}``, where
  ``key`` names the credentials it was issued for, so new credentials never reuse an old token;
- the credential problem ops must fix (``auth_problem``), shown in the admin and on /healthz.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

EARLY_REFRESH_SECONDS = 300


def stored_token(account, key: str) -> tuple[str, float]:
    """(token, seconds it stays usable) of the token stored on the account for ``key``; ("", 0) when there is
    none, it was issued for other credentials, or it expires within EARLY_REFRESH_SECONDS."""
    from marketplaces.models import MarketplaceAccount

    stored = (
        MarketplaceAccount.objects.filter(pk=account.pk).values_list("access_token_cache", flat=True).first()
    ) or {}
    expires = parse_datetime(stored.get("expires_at") or "")
    if stored.get("key") != key or not stored.get("token") or expires is None:
        return "", 0.0
    ttl = (expires - timezone.now()).total_seconds() - EARLY_REFRESH_SECONDS
    return (stored["token"], ttl) if ttl > 0 else ("", 0.0)


def store_token(account, key: str, token: str, expires_in: int) -> None:
    from marketplaces.models import MarketplaceAccount

    expires_at = timezone.now() + timedelta(seconds=int(expires_in))
    MarketplaceAccount.objects.filter(pk=account.pk).update(
        access_token_cache={"token": token, "expires_at": expires_at.isoformat(), "key": key}
    )


def drop_token(account) -> None:
    """The vendor refused the token: no process uses it again."""
    from marketplaces.models import MarketplaceAccount

    MarketplaceAccount.objects.filter(pk=account.pk).update(access_token_cache={})


def record_auth_problem(account, message: str) -> None:
    from marketplaces.models import MarketplaceAccount

    if (account.auth_problem or "").startswith(message[:1900]):
        return  # the same refusal again: keep the time it started
    text = f"{message[:1900]} (since {timezone.now():%Y-%m-%d %H:%M} UTC)"
    MarketplaceAccount.objects.filter(pk=account.pk).update(auth_problem=text)
    account.auth_problem = text


def clear_auth_problem(account) -> None:
    from marketplaces.models import MarketplaceAccount

    if account.auth_problem:
        MarketplaceAccount.objects.filter(pk=account.pk).update(auth_problem="")
        account.auth_problem = ""
