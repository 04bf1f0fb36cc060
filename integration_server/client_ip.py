"""The client's address as the admin login throttle (django-axes) sees it.

Directly exposed, it is REMOTE_ADDR. Behind ``TRUSTED_PROXY_COUNT`` proxies that each append the address they
saw to X-Forwarded-For (nginx: ``proxy_add_x_forwarded_for``), it is that many entries from the right: entries
further left are whatever the client sent and cannot be trusted."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-count] if len(hops) >= count else hops[0]
    return request.META.get("REMOTE_ADDR", "")
