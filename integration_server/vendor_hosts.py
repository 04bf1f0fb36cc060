"""Where an account's credentials may be sent: base-URL overrides checked against the vendor's own hosts.

Each client module declares its vendor's hosts (``API_HOSTS`` ...); models call ``check_urls`` from
``clean()``. Outside DEBUG an override must be https:// on one of those hosts, or on a host listed in the
``ALLOWED_VENDOR_HOSTS_EXTRA`` setting (simulators, sandboxes, a Mirakl operator's own domain; http allowed
there). A host entry starting with "." allows its subdomains. Blank overrides (the vendor's default) pass."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if not pattern:
            continue
        if pattern.startswith("."):
            if host.endswith(pattern) and len(host) > len(pattern):
                return True
        elif host == pattern:
            return True
    return False


def url_problem(url: str, vendor: str, hosts: Iterable[str]) -> str:
    """Why ``url`` may not receive this vendor's credentials ("" when it may)."""
    if not url or settings.DEBUG:
        return ""
    hosts = tuple(hosts)
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return "Not a valid URL."
    extra = tuple(getattr(settings, "ALLOWED_VENDOR_HOSTS_EXTRA", ()) or ())
    if host and host_matches(host, extra):
        return "" if parts.scheme in ("http", "https") else "Use an http(s):// URL."
    if not host or not host_matches(host, hosts):
        article = "an" if vendor[:1].lower() in "aeiou" else "a"
        return (
            f"{host or url} is not {article} {vendor} host: this account's credentials would be sent there. "
            f"Use https:// on one of {', '.join(hosts)}, or list a simulator or sandbox host in the "
            "ALLOWED_VENDOR_HOSTS_EXTRA setting."
        )
    if parts.scheme != "https":
        return f"Use https:// ({vendor} credentials are sent to this URL)."
    return ""


def check_urls(instance, vendor: str, rules: dict[str, Iterable[str]]) -> None:
    """``clean()`` helper: ``rules`` maps each URL field of ``instance`` to its vendor hosts."""
    errors = {}
    for field, hosts in rules.items():
        problem = url_problem(getattr(instance, field) or "", vendor, hosts)
        if problem:
            errors[field] = problem
    if errors:
        raise ValidationError(errors)


def origin(url: str) -> str:
    """scheme://host[:port] of a URL (no path, query or credentials), for the change record."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    if not parts.scheme:
        return host or url.strip()[:100]
    return f"{parts.scheme}://{host}{port}"
