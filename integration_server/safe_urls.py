"""Links we put in front of people (customer emails, admin pages) only ever use http or https.

``http_url(value)`` is the URL when it is an absolute http(s) URL with a host, else "" (javascript:, data:,
scheme-relative, control characters, ...). Templates use the ``|http_url`` filter (``{% load safe_urls %}``)."""

from __future__ import annotations

from urllib.parse import urlsplit

EMAIL_CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)


def http_url(value) -> str:
    text = str(value or "").strip()
    if not text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return text
