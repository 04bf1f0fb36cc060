"""Which webhook ``resource_url`` we may fetch with our credentials (SSRF guard; pure)."""

from __future__ import annotations

from fnmatch import fnmatch
from urllib.parse import urlsplit


def resource_url_allowed(url: str, allowed_hosts: str, base_url: str) -> bool:
    """HTTPS on a ShipStation API host pattern, or exactly the scheme, host and port of our configured
    base URL (a simulator on http://127.0.0.1:8101 is allowed only when it is the base URL)."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    base = urlsplit(base_url) if base_url else None
    if (
        base
        and base.hostname
        and (parts.scheme, host, port) == (base.scheme, base.hostname.lower(), base.port)
    ):
        return True
    if parts.scheme != "https" or port not in (None, 443):
        return False
    return any(fnmatch(host, pattern.lower()) for pattern in allowed_hosts.split() if pattern)
