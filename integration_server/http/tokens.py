"""Access tokens shared by every worker process: stored encrypted in the database (``CachedAccessToken``)
and handed out until shortly before they expire, so an OAuth client-credentials token is requested once per
lifetime whatever the number of processes. A vendor that accepts several valid tokens at once (Rithum says
so) needs no lock: two processes refreshing together both get a usable token, the last one is kept.

``key`` names the account and a digest of its credentials, so new credentials never reuse an old token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from integration_server.models import CachedAccessToken

EARLY_REFRESH_SECONDS = 300


def token_key(prefix: str, *parts: object) -> str:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]
    return f"{prefix}:{digest}"[:200]


def shared_token(key: str, fetch: Callable[[], tuple[str, int]]) -> tuple[str, float]:
    """The stored token of ``key`` while it has more than EARLY_REFRESH_SECONDS left, else a new one from
    ``fetch() -> (token, expires_in seconds)``, stored for the others. Returns (token, seconds it stays
    usable here), so a client can keep it in memory for that long."""
    now = timezone.now()
    margin = timedelta(seconds=EARLY_REFRESH_SECONDS)
    row = CachedAccessToken.objects.filter(key=key, expires_at__gt=now + margin).first()
    if row is not None:
        return row.token, (row.expires_at - margin - now).total_seconds()
    token, expires_in = fetch()
    expires_at = now + timedelta(seconds=max(int(expires_in), 0))
    if expires_at - margin > now:
        CachedAccessToken.objects.update_or_create(
            key=key, defaults={"token": token, "expires_at": expires_at}
        )
    return token, max((expires_at - margin - now).total_seconds(), 0.0)


def forget_token(key: str) -> None:
    """The vendor refused the token (401): nobody uses it again."""
    CachedAccessToken.objects.filter(key=key).delete()
